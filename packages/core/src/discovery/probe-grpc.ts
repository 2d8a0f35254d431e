import { type ClientHttp2Session, connect, constants } from 'node:http2';
import {
  type ProbeReport,
  type ProbeTlsFiles,
  readTlsFiles,
  reportAbort,
  reportError,
} from './probe-http.js';

const METRICS_EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

/** A gRPC message frame with no compression and a zero-length (empty) message. */
const EMPTY_GRPC_MESSAGE = Buffer.alloc(5);

/**
 * Probes an OTLP/gRPC receiver with `node:http2` alone: it calls the metrics service's
 * Export method with an empty request, and reports `otlp` for gRPC status 0. A listener that
 * does not speak HTTP/2 never sends SETTINGS, so it is reported as `not-otlp`. A gRPC server
 * without the metrics service responds with status 12 (unimplemented), also `not-otlp`.
 * `baseUrl` is `http://host:port` (plaintext) or `https://host:port` (TLS). Never rejects.
 */
export async function probeOtlpGrpc(
  baseUrl: string,
  headers: Readonly<Record<string, string>>,
  tls: ProbeTlsFiles,
  signal: AbortSignal,
): Promise<ProbeReport> {
  let tlsOptions = {};
  if (baseUrl.startsWith('https:')) {
    try {
      tlsOptions = await readTlsFiles(tls);
    } catch (error) {
      return {
        outcome: 'error',
        detail: `TLS file could not be read: ${(error as NodeJS.ErrnoException).code}`,
      };
    }
  }
  if (signal.aborted) return reportAbort(signal, false, 'no HTTP/2 SETTINGS');

  return new Promise<ProbeReport>((resolve) => {
    let connected = false;
    let spokeHttp2 = false;
    let settled = false;
    let session: ClientHttp2Session | undefined;

    const finish = (report: ProbeReport) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      session?.destroy();
      resolve(report);
    };
    const onAbort = () =>
      finish(
        reportAbort(signal, connected, spokeHttp2 ? 'no gRPC response' : 'no HTTP/2 SETTINGS'),
      );
    signal.addEventListener('abort', onAbort, { once: true });

    try {
      session = connect(baseUrl, { ...tlsOptions, settings: { enablePush: false } });
    } catch (error) {
      finish(reportError(error));
      return;
    }

    session.on('error', (error) => {
      finish(
        spokeHttp2 || connected
          ? { outcome: 'not-otlp', detail: describe(error) }
          : reportError(error),
      );
    });
    // Node emits 'error' before 'close', so a refused connection is already settled here.
    session.on('close', () =>
      finish(
        connected
          ? {
              outcome: 'not-otlp',
              detail: 'the peer closed the connection without a gRPC response',
            }
          : { outcome: 'error', detail: 'the connection closed before it was established' },
      ),
    );
    session.socket?.once('connect', () => {
      connected = true;
    });
    session.once('connect', () => {
      connected = true;
    });
    session.once('remoteSettings', () => {
      spokeHttp2 = true;
    });

    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: METRICS_EXPORT_PATH,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      [constants.HTTP2_HEADER_TE]: 'trailers',
      ...headers,
    });

    let responseHeaders: Record<string, unknown> = {};
    const judge = (trailers: Record<string, unknown>) => {
      const contentType = String(responseHeaders[constants.HTTP2_HEADER_CONTENT_TYPE] ?? '');
      const status = trailers['grpc-status'] ?? responseHeaders['grpc-status'];
      if (!contentType.startsWith('application/grpc') || status === undefined) {
        const httpStatus = responseHeaders[constants.HTTP2_HEADER_STATUS];
        finish({ outcome: 'not-otlp', detail: `HTTP/2 ${httpStatus ?? '?'} without gRPC status` });
        return;
      }
      finish(
        String(status) === '0'
          ? { outcome: 'otlp', detail: 'grpc-status 0' }
          : { outcome: 'not-otlp', detail: `grpc-status ${status}` },
      );
    };

    stream.on('response', (received) => {
      responseHeaders = received;
      // A trailers-only response carries grpc-status in the headers and ends the stream.
      if (received['grpc-status'] !== undefined) judge({});
    });
    stream.on('trailers', (trailers) => judge(trailers));
    stream.on('end', () => judge({}));
    // Before the connection exists, a stream error only echoes the session error.
    stream.on('error', (error) => {
      if (connected) finish({ outcome: 'not-otlp', detail: describe(error) });
    });
    stream.resume();
    stream.end(EMPTY_GRPC_MESSAGE);
  });
}

function describe(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
}
