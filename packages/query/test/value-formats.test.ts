import { describe, expect, it } from 'vitest';
import { formatSampleValue, parseSampleValue } from '../src/index.js';
import { parseRetryAfter } from '../src/promql/http-request.js';
import { formatQueryStep, formatQueryTime } from '../src/promql/query-time.js';

describe('parseSampleValue', () => {
  const cases: [string, number | undefined][] = [
    ['0', 0],
    ['-0.5', -0.5],
    ['+3', 3],
    ['1e3', 1000],
    ['1.5E-3', 0.0015],
    ['.25', 0.25],
    ['7.', 7],
    ['+Inf', Number.POSITIVE_INFINITY],
    ['-Inf', Number.NEGATIVE_INFINITY],
    ['inf', Number.POSITIVE_INFINITY],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['', undefined],
    ['1,5', undefined],
    ['0x10', undefined],
    ['1e', undefined],
    [' 1', undefined],
    ['one', undefined],
  ];

  for (const [text, expected] of cases) {
    it(`parses ${JSON.stringify(text)}`, () => {
      expect(parseSampleValue(text)).toBe(expected);
    });
  }

  it('parses NaN', () => {
    expect(parseSampleValue('NaN')).toBeNaN();
    expect(parseSampleValue('nan')).toBeNaN();
  });
});

describe('formatSampleValue', () => {
  it('formats special values', () => {
    expect(formatSampleValue(Number.NaN)).toBe('NaN');
    expect(formatSampleValue(Number.POSITIVE_INFINITY)).toBe('+Inf');
    expect(formatSampleValue(Number.NEGATIVE_INFINITY)).toBe('-Inf');
    expect(formatSampleValue(0.25)).toBe('0.25');
  });
});

describe('formatQueryTime', () => {
  it('formats Date with milliseconds', () => {
    expect(formatQueryTime(new Date(1_700_000_000_123), 'time')).toBe('1700000000.123');
  });

  it('passes seconds and RFC 3339', () => {
    expect(formatQueryTime(1_700_000_000.5, 'time')).toBe('1700000000.5');
    expect(formatQueryTime('1700000000', 'time')).toBe('1700000000');
    expect(formatQueryTime('2026-01-02T03:04:05Z', 'time')).toBe('2026-01-02T03:04:05Z');
    expect(formatQueryTime('2026-01-02T03:04:05.123+02:00', 'time')).toBe(
      '2026-01-02T03:04:05.123+02:00',
    );
  });

  it('rejects invalid times', () => {
    expect(() => formatQueryTime(new Date('x'), 'start')).toThrow(
      'Invalid option start: the Date is invalid.',
    );
    expect(() => formatQueryTime(Number.POSITIVE_INFINITY, 'end')).toThrow(
      'Invalid option end Infinity: expected finite Unix seconds.',
    );
    expect(() => formatQueryTime('now', 'time')).toThrow(
      'Invalid option time "now": expected a Date, Unix seconds or an RFC 3339 time.',
    );
    expect(() => formatQueryTime('2026-01-02', 'time')).toThrow(TypeError);
  });
});

describe('formatQueryStep', () => {
  it('accepts seconds and durations', () => {
    expect(formatQueryStep(15)).toBe('15');
    expect(formatQueryStep(0.5)).toBe('0.5');
    expect(formatQueryStep('1m30s')).toBe('1m30s');
    expect(formatQueryStep('250ms')).toBe('250ms');
    expect(formatQueryStep('30')).toBe('30');
  });

  it('rejects invalid steps', () => {
    expect(() => formatQueryStep(-1)).toThrow(
      'Invalid option step -1: expected a positive number of seconds.',
    );
    expect(() => formatQueryStep('0')).toThrow(TypeError);
    expect(() => formatQueryStep('1 m')).toThrow(TypeError);
    expect(() => formatQueryStep('fast')).toThrow(
      'Invalid option step "fast": expected positive seconds or a duration such as 15s or 1m.',
    );
  });
});

describe('parseRetryAfter', () => {
  it('parses seconds', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
  });

  it('parses HTTP date', () => {
    const inTwoSeconds = new Date(Date.now() + 2_000).toUTCString();
    const millis = parseRetryAfter(inTwoSeconds) ?? -1;

    expect(millis).toBeGreaterThan(0);
    expect(millis).toBeLessThanOrEqual(2_000);
  });

  it('clamps past date to zero', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBe(0);
  });

  it('ignores invalid values', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-5')).toBeUndefined();
  });
});
