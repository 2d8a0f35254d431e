/** OTLP signal names, as used in `/v1/<signal>` paths and `OTEL_EXPORTER_OTLP_<SIGNAL>_*` variables. */
export type OtlpSignal = 'traces' | 'metrics' | 'logs';

/** OTLP wire protocols, spelled as `OTEL_EXPORTER_OTLP_PROTOCOL` spells them. */
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

/** Encoding of a serialized OTLP request body. gRPC always carries protobuf. */
export type OtlpEncoding = 'protobuf' | 'json';

/** Compression applied to request bodies, as `OTEL_EXPORTER_OTLP_COMPRESSION` spells it. */
export type OtlpCompression = 'gzip' | 'none';

/**
 * Destination and request settings of one signal. The transport reads it before every request, so a
 * source that returns a new target (the node agent moved, a header was rotated) takes
 * effect on the next request without a restart.
 */
export interface ExportTarget {
  /**
   * Full URL of the export endpoint. For `http/*` protocols this includes the path
   * (`http://127.0.0.1:4318/v1/metrics`). For `grpc` only the scheme, host and port are used,
   * and `host:port` without a scheme is accepted: it means plaintext when `insecure` is true
   * and TLS otherwise.
   */
  url: string;
  /** Wire protocol. */
  protocol: OtlpProtocol;
  /** Extra request headers (gRPC metadata for `grpc`). Values are never logged. */
  headers?: Readonly<Record<string, string>>;
  /** Body compression. Default `none`. */
  compression?: OtlpCompression;
  /** Time limit of one request, in milliseconds. Default 10 000 (the OTLP default). */
  timeoutMillis?: number;
  /** PEM file with the CA certificate(s) that verify the server. */
  certificateFile?: string;
  /** PEM file with the client private key for mutual TLS. */
  clientKeyFile?: string;
  /** PEM file with the client certificate chain for mutual TLS. */
  clientCertificateFile?: string;
  /** For `grpc` without a URL scheme: use plaintext instead of TLS. Default false. */
  insecure?: boolean;
}

/** A fixed target, or a function that returns the current target before each request. */
export type ExportTargetSource = ExportTarget | (() => ExportTarget);

/** Default time limit of one request, in milliseconds, as the OTLP exporter specification sets it. */
export const DEFAULT_EXPORT_TIMEOUT_MILLIS = 10_000;

/** Returns the encoding that `protocol` puts on the wire. */
export function encodingOf(protocol: OtlpProtocol): OtlpEncoding {
  return protocol === 'http/json' ? 'json' : 'protobuf';
}

/**
 * Returns `url` without user information, query or fragment, so it can appear in logs and
 * status snapshots without leaking credentials. An unparsable URL becomes `<invalid url>`.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url.includes('://') ? url : `http://${url}`);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
