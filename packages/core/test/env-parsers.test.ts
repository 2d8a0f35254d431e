import { describe, expect, it } from 'vitest';
import {
  parseEnvBoolean,
  parseEnvEnum,
  parseEnvInteger,
  parseEnvKeyValueList,
  parseEnvList,
  parseEnvMillis,
  parseEnvNumber,
  readEnvString,
} from '../src/index.js';

function collect() {
  const messages: string[] = [];
  return { messages, report: (message: string) => messages.push(message) };
}

describe('readEnvString', () => {
  it('trims and treats blank as unset', () => {
    expect(readEnvString({ A: '  x ' }, 'A')).toBe('x');
    expect(readEnvString({ A: '   ' }, 'A')).toBeUndefined();
    expect(readEnvString({}, 'A')).toBeUndefined();
  });
});

describe('parseEnvBoolean', () => {
  it('accepts true and false in any case', () => {
    const { messages, report } = collect();
    expect(parseEnvBoolean({ A: 'TRUE' }, 'A', report)).toBe(true);
    expect(parseEnvBoolean({ A: ' false ' }, 'A', report)).toBe(false);
    expect(messages).toEqual([]);
  });

  it('reports other words', () => {
    const { messages, report } = collect();
    expect(
      parseEnvBoolean({ OTEL_SDK_DISABLED: 'maybe' }, 'OTEL_SDK_DISABLED', report),
    ).toBeUndefined();
    expect(parseEnvBoolean({ A: '1' }, 'A', report)).toBeUndefined();
    expect(messages).toEqual([
      'OTEL_SDK_DISABLED="maybe" is invalid: expected true or false',
      'A="1" is invalid: expected true or false',
    ]);
  });
});

describe('parseEnvInteger', () => {
  it('parses integers in range', () => {
    const { messages, report } = collect();
    expect(parseEnvInteger({ A: '42' }, 'A', report)).toBe(42);
    expect(parseEnvInteger({ A: '+7' }, 'A', report)).toBe(7);
    expect(parseEnvInteger({ A: '5' }, 'A', report, { min: 1, max: 5 })).toBe(5);
    expect(messages).toEqual([]);
  });

  it('reports negatives, fractions and text', () => {
    const { messages, report } = collect();
    expect(parseEnvMillis({ A: '-1' }, 'A', report)).toBeUndefined();
    expect(parseEnvInteger({ B: '1.5' }, 'B', report)).toBeUndefined();
    expect(parseEnvInteger({ C: '10s' }, 'C', report)).toBeUndefined();
    expect(parseEnvInteger({ D: '6' }, 'D', report, { min: 1, max: 5 })).toBeUndefined();
    expect(messages).toEqual([
      'A="-1" is invalid: expected an integer from 0 to 9007199254740991',
      'B="1.5" is invalid: expected an integer from 0 to 9007199254740991',
      'C="10s" is invalid: expected an integer from 0 to 9007199254740991',
      'D="6" is invalid: expected an integer from 1 to 5',
    ]);
  });
});

describe('parseEnvNumber', () => {
  it('parses ratios and rejects out of range', () => {
    const { messages, report } = collect();
    expect(parseEnvNumber({ A: '0.25' }, 'A', report, 0, 1)).toBe(0.25);
    expect(parseEnvNumber({ A: '1.5' }, 'A', report, 0, 1)).toBeUndefined();
    expect(messages).toEqual(['A="1.5" is invalid: expected a number from 0 to 1']);
  });
});

describe('parseEnvEnum', () => {
  it('matches in lower case', () => {
    const { messages, report } = collect();
    expect(parseEnvEnum({ A: 'GRPC' }, 'A', ['grpc', 'http/json'], report)).toBe('grpc');
    expect(parseEnvEnum({ A: 'udp' }, 'A', ['grpc', 'http/json'], report)).toBeUndefined();
    expect(messages).toEqual(['A="udp" is invalid: expected one of grpc, http/json']);
  });
});

describe('parseEnvList', () => {
  it('splits, trims and drops empty entries', () => {
    expect(parseEnvList({ A: ' a, b ,,c ' }, 'A')).toEqual(['a', 'b', 'c']);
    expect(parseEnvList({}, 'A')).toBeUndefined();
  });
});

describe('parseEnvKeyValueList', () => {
  it('parses and percent-decodes', () => {
    const { messages, report } = collect();
    const parsed = parseEnvKeyValueList({ A: 'k1=v1, k%20two = a%2Cb=c ,empty=' }, 'A', report);
    expect(parsed).toEqual({ k1: 'v1', 'k two': 'a,b=c', empty: '' });
    expect(messages).toEqual([]);
  });

  it('skips malformed entries and reports them', () => {
    const { messages, report } = collect();
    const parsed = parseEnvKeyValueList({ A: 'novalue,=x,ok=1,bad=%zz' }, 'A', report);
    expect(parsed).toEqual({ ok: '1' });
    expect(messages).toEqual([
      'A entry "novalue" is invalid: expected key=value',
      'A entry "=x" is invalid: expected key=value',
      'A entry "bad=%zz" is invalid: expected a non-empty key and valid percent escapes',
    ]);
  });

  it('never reports a secret value', () => {
    const { messages, report } = collect();
    parseEnvKeyValueList({ H: 'authorization=Bearer%zzsecret,justsecret' }, 'H', report, true);
    expect(messages).toEqual([
      'H entry "authorization" is invalid: expected a non-empty key and valid percent escapes',
      'H entry <redacted> is invalid: expected key=value',
    ]);
    expect(messages.join(' ')).not.toContain('secret');
  });
});
