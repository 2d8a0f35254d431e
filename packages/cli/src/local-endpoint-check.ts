import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Outcome of reading the node agent's local Prometheus endpoint once. */
export interface LocalEndpointCheck {
  /** URL that was read, such as `http://localhost:9999/metrics`. */
  url: string;
  /** Option or variable that set the URL, or `default`. */
  source: string;
  /** True when the endpoint returned a 2xx status. */
  reachable: boolean;
  /** `ok`, `http-error`, `refused`, `timeout` or `error`. */
  outcome: 'ok' | 'http-error' | 'refused' | 'timeout' | 'error';
  /** Time until the outcome, in milliseconds. */
  millis: number;
  /** Number of sample lines (neither blank nor `#` comments) in the response. */
  samples?: number;
  /** HTTP status or error code behind the outcome. */
  detail?: string;
}

/**
 * Response bytes kept for counting samples (8 MiB). Later bytes are read and discarded, so
 * `samples` undercounts a larger response.
 */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

function countSamples(text: string): number {
  let samples = 0;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed !== '' && !trimmed.startsWith('#')) samples++;
  }
  return samples;
}

/**
 * Reads `url` once with GET, within `timeoutMillis`, and reports what came back. Never
 * rejects.
 */
export function checkLocalEndpoint(
  url: string,
  source: string,
  timeoutMillis: number,
): Promise<LocalEndpointCheck> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);

  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<LocalEndpointCheck, 'url' | 'source' | 'millis'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve({ url, source, millis: elapsed(), ...result });
    };

    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const request = send(url, { method: 'GET', agent: false }, (response) => {
      const status = response.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        response.resume();
        finish({ reachable: false, outcome: 'http-error', detail: `HTTP ${status}` });
        return;
      }

      const chunks: Buffer[] = [];
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        if (bytes < MAX_BODY_BYTES) chunks.push(chunk);
        bytes += chunk.length;
      });
      response.on('end', () => {
        const samples = countSamples(Buffer.concat(chunks).toString('utf8'));
        finish({ reachable: true, outcome: 'ok', samples, detail: `HTTP ${status}` });
      });
      response.on('error', (error) =>
        finish({ reachable: false, outcome: 'error', detail: error.message }),
      );
    });

    const timer = setTimeout(() => finish({ reachable: false, outcome: 'timeout' }), timeoutMillis);
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') {
        finish({ reachable: false, outcome: 'refused', detail: error.code });
      } else {
        finish({ reachable: false, outcome: 'error', detail: error.code ?? error.message });
      }
    });
    request.end();
  });
}
