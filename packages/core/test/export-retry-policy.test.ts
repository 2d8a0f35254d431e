import { describe, expect, it } from 'vitest';
import {
  computeBackoffMillis,
  DEFAULT_RETRY_OPTIONS,
  GrpcStatus,
  isRetryableGrpcStatus,
  isRetryableHttpStatus,
  parseRetryAfter,
  resolveRetryOptions,
} from '../src/export/retry-policy.js';
import { decodeRpcStatus } from '../src/export/rpc-status.js';
import { encodeRpcStatus } from './export-rpc-encoding.js';

describe('retry policy', () => {
  it.each([
    [200, false],
    [400, false],
    [401, false],
    [404, false],
    [413, false],
    [429, true],
    [500, false],
    [502, true],
    [503, true],
    [504, true],
  ])('HTTP %i retryable is %s', (status, expected) => {
    expect(isRetryableHttpStatus(status)).toBe(expected);
  });

  it('gRPC retryable codes', () => {
    const retryable = Object.entries(GrpcStatus)
      .filter(([, code]) => isRetryableGrpcStatus(code, false))
      .map(([name]) => name);

    expect(retryable).toEqual([
      'CANCELLED',
      'DEADLINE_EXCEEDED',
      'ABORTED',
      'OUT_OF_RANGE',
      'UNAVAILABLE',
      'DATA_LOSS',
    ]);
    expect(isRetryableGrpcStatus(GrpcStatus.RESOURCE_EXHAUSTED, true)).toBe(true);
    expect(isRetryableGrpcStatus(GrpcStatus.INVALID_ARGUMENT, true)).toBe(false);
  });

  it('parses Retry-After', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');

    expect(parseRetryAfter('7', now)).toBe(7_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('backoff grows and caps', () => {
    const options = {
      ...DEFAULT_RETRY_OPTIONS,
      initialBackoffMillis: 100,
      maxBackoffMillis: 1_000,
    };
    const almostOne = () => 0.999_999;

    expect(computeBackoffMillis(1, options, almostOne)).toBe(99);
    expect(computeBackoffMillis(2, options, almostOne)).toBe(199);
    expect(computeBackoffMillis(4, options, almostOne)).toBe(799);
    expect(computeBackoffMillis(5, options, almostOne)).toBe(999);
    expect(computeBackoffMillis(50, options, almostOne)).toBe(999);
    expect(computeBackoffMillis(3, options, () => 0)).toBe(0);
  });

  it('validates options', () => {
    expect(resolveRetryOptions({ maxBackoffMillis: 2_000 }).maxBackoffMillis).toBe(2_000);
    expect(() => resolveRetryOptions({ initialBackoffMillis: -1 })).toThrow(
      'Invalid retry option initialBackoffMillis: -1. Expected a finite number >= 0.',
    );
    expect(() => resolveRetryOptions({ backoffMultiplier: 0.5 })).toThrow(
      'Invalid retry option backoffMultiplier: 0.5',
    );
  });
});

describe('rpc status', () => {
  it('decodes message and RetryInfo', () => {
    const status = decodeRpcStatus(encodeRpcStatus(8, 'quota exceeded', 2, 500_000_000));

    expect(status).toEqual({ code: 8, message: 'quota exceeded', retryDelayMillis: 2_500 });
  });

  it('decodes without details', () => {
    expect(decodeRpcStatus(encodeRpcStatus(3, 'bad'))).toEqual({ code: 3, message: 'bad' });
  });

  it('returns undefined on garbage', () => {
    expect(decodeRpcStatus(new Uint8Array([0x0a, 0x50, 0x01]))).toBeUndefined();
  });
});
