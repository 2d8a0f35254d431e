import type { TelemetrySettings } from './types.js';

/** Text that replaces every secret in printed settings. */
export const REDACTED = '<redacted>';

/** Returns `url` with user name, password and query values replaced by {@link REDACTED}. */
export function redactUrlSecrets(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username !== '') parsed.username = REDACTED;
    if (parsed.password !== '') parsed.password = REDACTED;
    for (const name of [...parsed.searchParams.keys()]) parsed.searchParams.set(name, REDACTED);
    return parsed.toString();
  } catch {
    // host:port without a scheme carries no secret.
    return url;
  }
}

/**
 * Returns a JSON-ready copy of `settings` that is safe to print: header values (which
 * often carry tokens) and URL credentials are replaced by {@link REDACTED}; header names stay.
 */
export function redactSettings(settings: TelemetrySettings): Record<string, unknown> {
  const otlp: Record<string, unknown> = {};

  for (const [signal, exporter] of Object.entries(settings.otlp)) {
    const headers: Record<string, string> = {};
    for (const name of Object.keys(exporter.headers)) headers[name] = REDACTED;

    otlp[signal] = {
      ...exporter,
      url: exporter.url === undefined ? undefined : redactUrlSecrets(exporter.url),
      headers,
    };
  }

  return JSON.parse(
    JSON.stringify({
      ...settings,
      otlp,
      localEndpoint: {
        ...settings.localEndpoint,
        url: redactUrlSecrets(settings.localEndpoint.url),
      },
    }),
  );
}
