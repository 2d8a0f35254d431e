import { describe, expect, it } from 'vitest';
import {
  escapeLabelValue,
  escapeRegex,
  matchRegex,
  notEqual,
  notMatchRegex,
  oneOf,
  selector,
} from '../src/index.js';

describe('escapeLabelValue', () => {
  const cases: [string, string][] = [
    ['plain', 'plain'],
    ['back\\slash', 'back\\\\slash'],
    ['quote"inside', 'quote\\"inside'],
    ['new\nline', 'new\\nline'],
    ['cr\rtab\t', 'cr\\rtab\\t'],
    ['nul\u0000bell\u0007del\u007f', 'nul\\x00bell\\x07del\\x7f'],
    ['ünïcödé ✓', 'ünïcödé ✓'],
    ['', ''],
  ];

  for (const [input, expected] of cases) {
    it(`escapes ${JSON.stringify(input)}`, () => {
      expect(escapeLabelValue(input)).toBe(expected);
    });
  }
});

describe('escapeRegex', () => {
  it('escapes RE2 metacharacters', () => {
    expect(escapeRegex('a.b*c+d?e(f)g|h[i]j{k}l^m$n\\o')).toBe(
      'a\\.b\\*c\\+d\\?e\\(f\\)g\\|h\\[i\\]j\\{k\\}l\\^m\\$n\\\\o',
    );
  });

  it('keeps plain text', () => {
    expect(escapeRegex('node-1_x')).toBe('node-1_x');
  });
});

describe('selector', () => {
  it('builds metric only', () => {
    expect(selector('up')).toBe('up');
  });

  it('builds equality matchers', () => {
    expect(selector('up', { job: 'api', instance: 'h:9090' })).toBe(
      'up{job="api",instance="h:9090"}',
    );
  });

  it('builds labels only', () => {
    expect(selector('', { __name__: 'up' })).toBe('{__name__="up"}');
  });

  it('builds all operators', () => {
    const result = selector('m', {
      a: notEqual('x'),
      b: matchRegex('node-.*'),
      c: notMatchRegex('test|dev'),
    });
    expect(result).toBe('m{a!="x",b=~"node-.*",c!~"test|dev"}');
  });

  it('escapes injection attempt', () => {
    const hostile = 'x"} or vector(1) or up{job="';
    const result = selector('up', { job: hostile });

    expect(result).toBe('up{job="x\\"} or vector(1) or up{job=\\""}');
  });

  it('escapes newline and backslash', () => {
    expect(selector('up', { job: 'a\\"\nb' })).toBe('up{job="a\\\\\\"\\nb"}');
  });

  it('builds oneOf with literal values', () => {
    expect(selector('up', { node: oneOf(['n1.local', 'n(2)']) })).toBe(
      'up{node=~"n1\\\\.local|n\\\\(2\\\\)"}',
    );
  });

  it('escapes regex values for strings', () => {
    expect(selector('up', { node: matchRegex(`${escapeRegex('a"b')}.*`) })).toBe(
      'up{node=~"a\\"b.*"}',
    );
  });

  it('rejects invalid metric name', () => {
    expect(() => selector('http.server.duration')).toThrow(
      'Invalid metric name "http.server.duration": expected [a-zA-Z_:][a-zA-Z0-9_:]*, or set allowUtf8Names for Prometheus 3.0 and later.',
    );
  });

  it('rejects metric injection', () => {
    expect(() => selector('up} or vector(1)')).toThrow(TypeError);
  });

  it('rejects invalid label name', () => {
    expect(() => selector('up', { 'a-b': 'x' })).toThrow('Invalid label name "a-b"');
    expect(() => selector('up', { 'job="x",a': 'x' })).toThrow(TypeError);
    expect(() => selector('up', { '1a': 'x' })).toThrow(TypeError);
    expect(() => selector('up', { 'a:b': 'x' })).toThrow(TypeError);
  });

  it('rejects invalid operator', () => {
    const bad = { op: '==', value: 'x' } as unknown as ReturnType<typeof notEqual>;
    expect(() => selector('up', { job: bad })).toThrow(
      'Invalid matcher operator "==" for label "job": expected =, !=, =~ or !~.',
    );
  });

  it('rejects non-string value', () => {
    const bad = 5 as unknown as string;
    expect(() => selector('up', { job: bad })).toThrow(TypeError);
  });

  it('quotes UTF-8 names when allowed', () => {
    expect(
      selector('http.server.duration', { 'service.name': 'a"b' }, { allowUtf8Names: true }),
    ).toBe('{"http.server.duration","service.name"="a\\"b"}');
  });

  it('keeps classic names unquoted with UTF-8', () => {
    expect(selector('up', { job: 'x' }, { allowUtf8Names: true })).toBe('up{job="x"}');
  });
});
