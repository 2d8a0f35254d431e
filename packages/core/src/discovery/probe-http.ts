import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { OtlpProtocol } from '../export/export-target.js';
import type { ProbeOutcome } from './types.js';

/** TLS files that a probe of an `https:` endpoint presents or trusts. */
export interface ProbeTlsFiles {
  certificateFile?: string | undefined;
  clientKeyFile?: string | undefined;
  clientCertificateFile?: string | undefined;
}

/** Outcome of one probe and what explains it. */
export interface ProbeReport {
  outcome: ProbeOutcome;
  detail?: string;
}

/** Reason passed to `AbortController.abort` when the budget ran out. */
export const ABORT_TIMEOUT = 'timeout';
/** Reason passed to `AbortController.abort` when an earlier candidate won. */
export const ABORT_CANCELLED = 'cancelled';

/** Maps a socket error to a probe report. */
export function reportError(error: unknown): ProbeReport {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED') return { outcome: 'refused', detail: code };
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'HPE_INVALID_CONSTANT') {
    return { outcome: 'not-otlp', detail: `${code}: the peer closed or garbled the connection` };
  }
  return {
    outcome: 'error',
    detail: code ?? (error instanceof Error ? error.message : String(error)),
  };
}

/** Returns the report for an aborted probe: `cancelled`, or `timeout` qualified by what was reached. */
export function reportAbort(signal: AbortSignal, connected: boolean, silence: string): ProbeReport {
  if (signal.reason === ABORT_CANCELLED) return { outcome: 'cancelled' };
  if (connected)
    return { outcome: 'not-otlp', detail: `connected, but ${silence} within the budget` };
  return { outcome: 'timeout' };
}

/** Reads the PEM files named in `tls`; missing names stay undefined. */
export async function readTlsFiles(
  tls: ProbeTlsFiles,
): Promise<{ ca?: Buffer; key?: Buffer; cert?: Buffer }> {
  const read = (path: string | undefined) => (path === undefined ? undefined : readFile(path));
  const [ca, key, cert] = await Promise.all([
    read(tls.certificateFile),
    read(tls.clientKeyFile),
    read(tls.clientCertificateFile),
  ]);

  return {
    ...(ca === undefined ? {} : { ca }),
    ...(key === undefined ? {} : { key }),
    ...(cert === undefined ? {} : { cert }),
  };
}

/**
 * Probes an OTLP/HTTP receiver: POSTs an empty export request to `url` (a `/v1/<signal>`
 * URL) and reports `otlp` for a 2xx status. An empty protobuf message is zero bytes, and
 * the JSON form is `{}`; an OTLP receiver accepts both with 200. Never rejects.
 */
export async function probeOtlpHttp(
  url: string,
  protocol: Exclude<OtlpProtocol, 'grpc'>,
  headers: Readonly<Record<string, string>>,
  tls: ProbeTlsFiles,
  signal: AbortSignal,
): Promise<ProbeReport> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { outcome: 'error', detail: 'invalid URL' };
  }

  let tlsOptions = {};
  if (target.protocol === 'https:') {
    try {
      tlsOptions = await readTlsFiles(tls);
    } catch (error) {
      return {
        outcome: 'error',
        detail: `TLS file could not be read: ${(error as NodeJS.ErrnoException).code}`,
      };
    }
  }
  if (signal.aborted) return reportAbort(signal, false, 'no response');

  const body = protocol === 'http/json' ? '{}' : '';
  const contentType = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise<ProbeReport>((resolve) => {
    let connected = false;
    let settled = false;
    const finish = (report: ProbeReport) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      request.destroy();
      resolve(report);
    };
    const onAbort = () => finish(reportAbort(signal, connected, 'no HTTP response'));

    const request = send(
      target,
      {
        method: 'POST',
        agent: false,
        headers: {
          ...headers,
          'content-type': contentType,
          'content-length': Buffer.byteLength(body),
        },
        ...tlsOptions,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        // finish() destroys the request, which can abort a body still in flight.
        response.on('error', () => {});
        response.resume();
        // NOTE: any HTTP server that returns 2xx to this POST passes as an OTLP receiver.
        const ok = status >= 200 && status < 300;
        finish(
          ok
            ? { outcome: 'otlp', detail: `HTTP ${status}` }
            : { outcome: 'not-otlp', detail: `HTTP ${status}` },
        );
      },
    );
    request.on('socket', (socket) => {
      socket.once('connect', () => {
        connected = true;
      });
    });
    request.on('error', (error) => finish(reportError(error)));
    signal.addEventListener('abort', onAbort, { once: true });
    request.end(body);
  });
}
