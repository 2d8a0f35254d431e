import { DEFAULT_LOCAL_METRICS_PATH } from './defaults.js';
import { hasScheme, isHostPort, isHttpUrl } from './option-checks.js';

/**
 * Turns a local Prometheus endpoint into a full URL: `host:port` becomes
 * `http://host:port/metrics`, and a URL without a path gets `/metrics`. Returns undefined
 * for any other text.
 */
export function normalizeLocalEndpoint(text: string): string | undefined {
  if (!hasScheme(text)) {
    return isHostPort(text) ? `http://${text}${DEFAULT_LOCAL_METRICS_PATH}` : undefined;
  }
  if (!isHttpUrl(text)) return undefined;

  const url = new URL(text);
  if (url.pathname === '/' || url.pathname === '') url.pathname = DEFAULT_LOCAL_METRICS_PATH;
  return url.toString();
}
