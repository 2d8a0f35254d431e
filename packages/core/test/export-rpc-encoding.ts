/** Test-only protobuf writer for `google.rpc.Status` with an optional `RetryInfo` detail. */

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

function lengthDelimited(field: number, payload: Uint8Array | number[]): number[] {
  return [...varint(field * 8 + 2), ...varint(payload.length), ...payload];
}

/** Encodes a Status; a RetryInfo detail is added when `delaySeconds` is given. */
export function encodeRpcStatus(
  code: number,
  message: string,
  delaySeconds?: number,
  delayNanos = 0,
): Uint8Array {
  const bytes: number[] = [...varint(1 * 8), ...varint(code)];
  bytes.push(...lengthDelimited(2, [...new TextEncoder().encode(message)]));

  if (delaySeconds !== undefined) {
    const duration = [
      ...varint(1 * 8),
      ...varint(delaySeconds),
      ...varint(2 * 8),
      ...varint(delayNanos),
    ];
    const retryInfo = lengthDelimited(1, duration);
    const typeUrl = new TextEncoder().encode('type.googleapis.com/google.rpc.RetryInfo');
    const any = [...lengthDelimited(1, [...typeUrl]), ...lengthDelimited(2, retryInfo)];
    bytes.push(...lengthDelimited(3, any));
  }
  return new Uint8Array(bytes);
}
