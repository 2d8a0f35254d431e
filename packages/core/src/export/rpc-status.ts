/**
 * A minimal protobuf reader for `google.rpc.Status` and `google.rpc.RetryInfo`, the only
 * messages the transport itself has to read: OTLP servers put a Status in the body of a
 * failed OTLP/HTTP response and in the `grpc-status-details-bin` trailer of a failed call.
 */

/** The fields of `google.rpc.Status` that the transport uses. */
export interface RpcStatus {
  /** gRPC status code. */
  code: number;
  /** Developer-facing error message. */
  message: string;
  /** Delay from an attached `google.rpc.RetryInfo`, in milliseconds, when present. */
  retryDelayMillis?: number;
}

const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

interface Field {
  number: number;
  varint?: number;
  bytes?: Uint8Array;
}

/** Reads the top-level fields of one protobuf message. Throws on malformed input. */
function readFields(data: Uint8Array): Field[] {
  const fields: Field[] = [];
  let offset = 0;

  const readVarint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (offset >= data.length) throw new RangeError('truncated varint');
      const byte = data[offset++]!;
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new RangeError('varint longer than 10 bytes');
  };

  while (offset < data.length) {
    const key = readVarint();
    const number = Math.floor(key / 8);
    const wireType = key & 7;

    if (wireType === WIRE_VARINT) {
      fields.push({ number, varint: readVarint() });
    } else if (wireType === WIRE_LENGTH_DELIMITED) {
      const length = readVarint();
      if (offset + length > data.length) throw new RangeError('truncated field');
      fields.push({ number, bytes: data.subarray(offset, offset + length) });
      offset += length;
    } else if (wireType === WIRE_FIXED64) {
      offset += 8;
    } else if (wireType === WIRE_FIXED32) {
      offset += 4;
    } else {
      throw new RangeError(`unsupported wire type ${wireType}`);
    }
  }
  return fields;
}

const decoder = new TextDecoder();

/** Reads `google.protobuf.Duration` into milliseconds. */
function readDurationMillis(data: Uint8Array): number {
  let seconds = 0;
  let nanos = 0;
  for (const field of readFields(data)) {
    if (field.number === 1 && field.varint !== undefined) seconds = field.varint;
    if (field.number === 2 && field.varint !== undefined) nanos = field.varint;
  }
  return seconds * 1_000 + Math.floor(nanos / 1_000_000);
}

/**
 * Decodes a serialized `google.rpc.Status`. Returns undefined when the bytes are not a
 * valid message, because a server may send any body.
 */
export function decodeRpcStatus(data: Uint8Array): RpcStatus | undefined {
  try {
    const status: RpcStatus = { code: 0, message: '' };

    for (const field of readFields(data)) {
      if (field.number === 1 && field.varint !== undefined) {
        status.code = field.varint;
      } else if (field.number === 2 && field.bytes !== undefined) {
        status.message = decoder.decode(field.bytes);
      } else if (field.number === 3 && field.bytes !== undefined) {
        const delay = readRetryInfoDelay(field.bytes);
        if (delay !== undefined) status.retryDelayMillis = delay;
      }
    }
    return status;
  } catch {
    return undefined;
  }
}

/** Reads the delay from a `google.protobuf.Any` that wraps `RetryInfo`, if it does. */
function readRetryInfoDelay(anyMessage: Uint8Array): number | undefined {
  let typeUrl = '';
  let value: Uint8Array | undefined;
  for (const field of readFields(anyMessage)) {
    if (field.number === 1 && field.bytes !== undefined) typeUrl = decoder.decode(field.bytes);
    if (field.number === 2 && field.bytes !== undefined) value = field.bytes;
  }
  if (typeUrl !== RETRY_INFO_TYPE_URL || value === undefined) return undefined;

  for (const field of readFields(value)) {
    if (field.number === 1 && field.bytes !== undefined) return readDurationMillis(field.bytes);
  }
  return 0;
}
