/**
 * Returns `String(value)`, or `[<type>]` when that throws, so that a message about an odd
 * argument (an object whose `toString` throws) cannot itself throw into the caller.
 */
export function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return `[${typeof value}]`;
  }
}
