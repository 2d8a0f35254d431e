import type { ExportTarget, OtlpEncoding, OtlpSignal } from './export-target.js';

/** One serialized OTLP export request, ready to be sent once. */
export interface SendRequest {
  /** Signal of the request; selects the gRPC service. */
  signal: OtlpSignal;
  /** Serialized `Export<Signal>ServiceRequest`, uncompressed. */
  body: Uint8Array;
  /** Encoding of `body`. */
  encoding: OtlpEncoding;
  /** Destination and request settings. */
  target: ExportTarget;
  /** Aborts the request when shutdown runs out of time. */
  abortSignal: AbortSignal;
}

/** Result of one attempt. Senders resolve with it and never reject. */
export type SendOutcome =
  | {
      /** The server accepted the request. */
      kind: 'success';
      /** Serialized `Export<Signal>ServiceResponse`, possibly empty. */
      responseBody: Uint8Array;
    }
  | {
      /** The attempt failed in a way the specification allows to retry. */
      kind: 'retryable';
      /** Failure description, without header values. */
      reason: string;
      /** Delay the server requested, in milliseconds. */
      retryAfterMillis?: number;
    }
  | {
      /** The server rejected the request for good, so retrying cannot help. */
      kind: 'rejected';
      /** Failure description: status and a truncated response body, without header values. */
      reason: string;
    };

/** Sends serialized requests over one protocol family and owns its connections. */
export interface Sender {
  /** Sends one request. Resolves with the outcome and never rejects. */
  send(request: SendRequest): Promise<SendOutcome>;
  /** Closes every open connection. Later calls to `send` open new ones. */
  close(): void;
}

/** Most bytes of a response body kept, so a large error page cannot grow memory. */
export const MAX_RESPONSE_BODY_BYTES = 64 * 1024;

/** Most characters of a response body put into a log message. */
export const MAX_LOGGED_BODY_CHARS = 512;

/** Describes a socket or request error for a log message, for example `connect ECONNREFUSED`. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== undefined && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message;
  }
  return String(error);
}

/** Shortens `text` to {@link MAX_LOGGED_BODY_CHARS} characters and marks the cut. */
export function truncateForLog(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (oneLine.length <= MAX_LOGGED_BODY_CHARS) return oneLine;
  return `${oneLine.slice(0, MAX_LOGGED_BODY_CHARS)}... (${oneLine.length} characters)`;
}

/**
 * Collects chunks up to {@link MAX_RESPONSE_BODY_BYTES} and drops the rest, so a response
 * body never grows memory past that cap.
 */
export class BoundedBody {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  /** Adds a chunk, keeping only what fits under the cap. */
  push(chunk: Buffer): void {
    const room = MAX_RESPONSE_BODY_BYTES - this.size;
    if (room <= 0) return;
    const retained = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(retained);
    this.size += retained.length;
  }

  /** Returns the collected bytes. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}
