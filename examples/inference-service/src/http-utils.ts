import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body the service reads, in bytes; larger bodies get 413. */
export const MAX_BODY_BYTES = 16 * 1024;

/** Error with the HTTP status code the client receives. */
export class HttpError extends Error {
  constructor(
    /** HTTP status code, for example 400. */
    readonly status: number,
    message: string,
    /** Value of the `error.type` attribute recorded for this error. */
    readonly errorType: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Reads and parses a JSON request body of at most {@link MAX_BODY_BYTES} bytes. */
export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;

  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new HttpError(413, `request body exceeds ${MAX_BODY_BYTES} bytes`, 'payload_too_large');
    }
    chunks.push(chunk);
  }

  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON', 'invalid_json');
  }
}

/** Sends `body` as JSON with the given status code. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
