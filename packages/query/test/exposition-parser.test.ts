import { describe, expect, it } from 'vitest';
import { ExpositionParseError, parseExposition } from '../src/index.js';

function parseError(
  text: string,
  format?: 'openmetrics' | 'prometheus-text',
): ExpositionParseError {
  try {
    parseExposition(text, format === undefined ? {} : { format });
  } catch (error) {
    expect(error).toBeInstanceOf(ExpositionParseError);
    return error as ExpositionParseError;
  }
  throw new Error('expected a parse error');
}

describe('parseExposition, Prometheus text 0.0.4', () => {
  it('parses counter and gauge', () => {
    const text = [
      '# HELP http_requests_total Total requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="get",code="200"} 1027 1395066363000',
      'http_requests_total{method="post",code="400"}    3 1395066363000',
      '',
      '# TYPE temperature gauge',
      'temperature 21.5',
    ].join('\n');
    const result = parseExposition(text);

    expect(result.format).toBe('prometheus-text');
    expect(result.families).toEqual([
      {
        name: 'http_requests_total',
        type: 'counter',
        help: 'Total requests.',
        samples: [
          {
            name: 'http_requests_total',
            labels: { method: 'get', code: '200' },
            value: 1027,
            timestampMillis: 1395066363000,
          },
          {
            name: 'http_requests_total',
            labels: { method: 'post', code: '400' },
            value: 3,
            timestampMillis: 1395066363000,
          },
        ],
      },
      {
        name: 'temperature',
        type: 'gauge',
        samples: [{ name: 'temperature', labels: {}, value: 21.5 }],
      },
    ]);
  });

  it('groups histogram samples', () => {
    const text = [
      '# HELP rpc_duration_seconds RPC latency.',
      '# TYPE rpc_duration_seconds histogram',
      'rpc_duration_seconds_bucket{le="0.05"} 24054',
      'rpc_duration_seconds_bucket{le="0.1"} 33444',
      'rpc_duration_seconds_bucket{le="+Inf"} 144320',
      'rpc_duration_seconds_sum 53423',
      'rpc_duration_seconds_count 144320',
      'other_metric 1',
    ].join('\n');
    const [histogram, other] = parseExposition(text).families;

    expect(histogram?.name).toBe('rpc_duration_seconds');
    expect(histogram?.type).toBe('histogram');
    expect(histogram?.samples.map((s) => s.name)).toEqual([
      'rpc_duration_seconds_bucket',
      'rpc_duration_seconds_bucket',
      'rpc_duration_seconds_bucket',
      'rpc_duration_seconds_sum',
      'rpc_duration_seconds_count',
    ]);
    expect(histogram?.samples[2]?.labels).toEqual({ le: '+Inf' });
    expect(histogram?.samples[4]?.value).toBe(144320);
    expect(other).toEqual({
      name: 'other_metric',
      type: 'unknown',
      samples: [{ name: 'other_metric', labels: {}, value: 1 }],
    });
  });

  it('groups summary samples', () => {
    const text = [
      '# TYPE rpc_seconds summary',
      'rpc_seconds{quantile="0.5"} 4773',
      'rpc_seconds{quantile="0.99"} NaN',
      'rpc_seconds_sum 1.7560473e+07',
      'rpc_seconds_count 2693',
    ].join('\n');
    const [summary] = parseExposition(text).families;

    expect(summary?.type).toBe('summary');
    expect(summary?.samples).toHaveLength(4);
    expect(summary?.samples[1]?.value).toBeNaN();
    expect(summary?.samples[2]?.value).toBe(17560473);
  });

  it('parses special values', () => {
    const text = 'a +Inf\nb -Inf\nc NaN\nd 1e-3\ne -0.5\nf Inf\ng .5\n';
    const values = parseExposition(text).families.map((f) => f.samples[0]?.value);

    expect(values).toEqual([
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
      0.001,
      -0.5,
      Number.POSITIVE_INFINITY,
      0.5,
    ]);
  });

  it('unescapes help text', () => {
    const text = '# HELP m Line one\\nback\\\\slash \\"kept\\" and \\t\n# TYPE m gauge\nm 1\n';
    const [family] = parseExposition(text).families;

    expect(family?.help).toBe('Line one\nback\\slash \\"kept\\" and \\t');
  });

  it('unescapes label values', () => {
    const text = 'm{path="C:\\\\dir",msg="say \\"hi\\"",multi="a\\nb",empty=""} 1\n';
    const [family] = parseExposition(text).families;

    expect(family?.samples[0]?.labels).toEqual({
      path: 'C:\\dir',
      msg: 'say "hi"',
      multi: 'a\nb',
      empty: '',
    });
  });

  it('keeps label values with braces and commas', () => {
    const text = 'm{a="x,y}",b="#{z}"} 2\n';
    const [family] = parseExposition(text).families;

    expect(family?.samples[0]?.labels).toEqual({ a: 'x,y}', b: '#{z}' });
    expect(family?.samples[0]?.value).toBe(2);
  });

  it('accepts trailing comma and spaces in labels', () => {
    const text = 'm{ a = "1" , b="2", } 3\n';
    const [family] = parseExposition(text).families;

    expect(family?.samples[0]?.labels).toEqual({ a: '1', b: '2' });
  });

  it('accepts empty label set', () => {
    const [family] = parseExposition('m{} 4\n').families;
    expect(family?.samples[0]).toEqual({ name: 'm', labels: {}, value: 4 });
  });

  it('keeps __proto__ label as own property', () => {
    const [family] = parseExposition('m{__proto__="x"} 1\n').families;
    const labels = family?.samples[0]?.labels ?? {};

    expect(Object.hasOwn(labels, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });

  it('ignores plain comments and blank lines', () => {
    const text = '\n# just a comment\n   \n#\nm 1\n\n';
    const result = parseExposition(text);

    expect(result.families).toHaveLength(1);
    expect(result.families[0]?.samples[0]?.value).toBe(1);
  });

  it('accepts CRLF line ends', () => {
    const text = '# TYPE m gauge\r\nm{a="b"} 5\r\n';
    const [family] = parseExposition(text).families;

    expect(family?.type).toBe('gauge');
    expect(family?.samples[0]?.labels).toEqual({ a: 'b' });
  });

  it('maps untyped to unknown', () => {
    const [family] = parseExposition('# TYPE m untyped\nm 1\n').families;
    expect(family?.type).toBe('unknown');
  });

  it('parses negative timestamp', () => {
    const [family] = parseExposition('m 1 -1000\n').families;
    expect(family?.samples[0]?.timestampMillis).toBe(-1000);
  });

  it('accepts quoted UTF-8 names', () => {
    const text = [
      '# HELP "http.server.duration" Duration.',
      '# TYPE "http.server.duration" gauge',
      '{"http.server.duration","service.name"="api"} 7',
    ].join('\n');
    const [family] = parseExposition(text).families;

    expect(family?.name).toBe('http.server.duration');
    expect(family?.type).toBe('gauge');
    expect(family?.samples[0]).toEqual({
      name: 'http.server.duration',
      labels: { 'service.name': 'api' },
      value: 7,
    });
  });

  it('keeps separately typed _created gauge', () => {
    const text = [
      '# TYPE rpc_seconds histogram',
      'rpc_seconds_bucket{le="+Inf"} 2',
      'rpc_seconds_sum 1',
      'rpc_seconds_count 2',
      '# TYPE rpc_seconds_created gauge',
      'rpc_seconds_created 1.7e+09',
    ].join('\n');
    const families = parseExposition(text).families;

    expect(families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['rpc_seconds', 'histogram', 3],
      ['rpc_seconds_created', 'gauge', 1],
    ]);
  });

  it('regroups interleaved families', () => {
    const text = [
      '# TYPE a gauge',
      'a{x="1"} 1',
      '# TYPE b_seconds histogram',
      'b_seconds_count 3',
      'a{x="2"} 2',
      'b_seconds_sum 4',
    ].join('\n');
    const families = parseExposition(text).families;

    expect(families.map((f) => [f.name, f.samples.map((s) => s.value)])).toEqual([
      ['a', [1, 2]],
      ['b_seconds', [3, 4]],
    ]);
  });

  it('parses timestamp and spaces', () => {
    const [family] = parseExposition('m{a="b"}\t 1.5 \t 1700000000000  \n').families;
    expect(family?.samples[0]).toEqual({
      name: 'm',
      labels: { a: 'b' },
      value: 1.5,
      timestampMillis: 1700000000000,
    });
  });

  it('returns no families for empty text', () => {
    expect(parseExposition('').families).toEqual([]);
  });

  it('parses large input in linear time', () => {
    const lines: string[] = ['# TYPE big counter'];
    for (let i = 0; i < 100_000; i++) lines.push(`big{i="${i}"} ${i}`);
    const start = performance.now();
    const [family] = parseExposition(lines.join('\n')).families;

    expect(family?.samples).toHaveLength(100_000);
    expect(family?.samples[99_999]?.value).toBe(99_999);
    expect(performance.now() - start).toBeLessThan(5_000);
  });
});

describe('parseExposition, OpenMetrics 1.0', () => {
  it('parses counter with _total and _created', () => {
    const text = [
      '# TYPE requests counter',
      '# UNIT requests requests',
      '# HELP requests Requests \\"served\\".',
      'requests_total{path="/"} 12 1700000000.5',
      'requests_created{path="/"} 1699999000.25',
      '# EOF',
    ].join('\n');
    const result = parseExposition(text);

    expect(result.format).toBe('openmetrics');
    expect(result.families).toEqual([
      {
        name: 'requests',
        type: 'counter',
        unit: 'requests',
        help: 'Requests "served".',
        samples: [
          {
            name: 'requests_total',
            labels: { path: '/' },
            value: 12,
            timestampMillis: 1700000000500,
          },
          { name: 'requests_created', labels: { path: '/' }, value: 1699999000.25 },
        ],
      },
    ]);
  });

  it('parses histogram with exemplars', () => {
    const text = [
      '# TYPE latency_seconds histogram',
      'latency_seconds_bucket{le="0.1"} 8 # {trace_id="abc",span_id="01"} 0.05 1700000000.123',
      'latency_seconds_bucket{le="+Inf"} 10 # {trace_id="def"} 3',
      'latency_seconds_sum 4.5',
      'latency_seconds_count 10',
      'latency_seconds_created 1699990000',
      '# EOF',
      '',
    ].join('\n');
    const [family] = parseExposition(text).families;

    expect(family?.type).toBe('histogram');
    expect(family?.samples).toHaveLength(5);
    expect(family?.samples[0]?.exemplar).toEqual({
      labels: { trace_id: 'abc', span_id: '01' },
      value: 0.05,
      timestampMillis: 1700000000123,
    });
    expect(family?.samples[1]?.exemplar).toEqual({ labels: { trace_id: 'def' }, value: 3 });
    expect(family?.samples[4]?.name).toBe('latency_seconds_created');
  });

  it('parses gaugehistogram, info and stateset', () => {
    const text = [
      '# TYPE queue gaugehistogram',
      'queue_bucket{le="1"} 2',
      'queue_bucket{le="+Inf"} 3',
      'queue_gcount 3',
      'queue_gsum 4',
      '# TYPE build info',
      'build_info{version="1.2"} 1',
      '# TYPE mode stateset',
      'mode{mode="a"} 1',
      'mode{mode="b"} 0',
      '# EOF',
    ].join('\n');
    const families = parseExposition(text).families;

    expect(families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['queue', 'gaugehistogram', 4],
      ['build', 'info', 1],
      ['mode', 'stateset', 2],
    ]);
  });

  it('detects format from # EOF', () => {
    expect(parseExposition('m 1\n# EOF\n').format).toBe('openmetrics');
    expect(parseExposition('m 1\n').format).toBe('prometheus-text');
  });

  it('treats # EOF as comment in text format', () => {
    const result = parseExposition('m 1\n# EOF\nn 2\n', { format: 'prometheus-text' });
    expect(result.families.map((f) => f.name)).toEqual(['m', 'n']);
  });
});

describe('parseExposition errors', () => {
  const cases: [string, string, number, string][] = [
    ['missing value', 'a 1\nb\n', 2, 'missing value for "b"'],
    ['invalid value', 'a one\n', 1, 'invalid value "one" for "a"'],
    ['unterminated label value', 'a{b="c} 1\n', 1, 'unterminated value of label "b"'],
    ['missing closing brace', 'a{b="c" 1\n', 1, 'expected "," or "}" in label set but found "1"'],
    ['missing equals', 'a{b "c"} 1\n', 1, 'expected "=" after label name "b" but found "\\""'],
    [
      'unquoted label value',
      'a{b=c} 1\n',
      1,
      'expected opening quote of the value of label "b" but found "c"',
    ],
    ['invalid escape', 'a{b="\\x"} 1\n', 1, 'invalid escape sequence "\\x" in value of label "b"'],
    ['duplicate label', 'a{b="1",b="2"} 1\n', 1, 'duplicate label name "b"'],
    ['invalid name char', 'a-b 1\n', 1, 'invalid character "-" in metric name'],
    ['name starting with digit', '1abc 1\n', 1, 'expected metric name but found "1"'],
    [
      'float timestamp in text',
      'a 1 1.5\n',
      1,
      'invalid timestamp "1.5" for "a": expected milliseconds',
    ],
    ['trailing garbage', 'a 1 2 3\n', 1, 'unexpected text after the sample "a"'],
    ['unknown type', '# TYPE a histogramm\n', 1, 'unknown metric type "histogramm" for "a"'],
    [
      'second TYPE',
      '# TYPE a gauge\n# TYPE a counter\n',
      2,
      'second TYPE line for metric name "a"',
    ],
    ['second HELP', '# HELP a x\n# HELP a y\n', 2, 'second HELP line for metric name "a"'],
    ['TYPE after samples', 'a 1\n# TYPE a gauge\n', 2, 'TYPE line for "a" after its samples'],
    ['label set without name', '{a="b"} 1\n', 1, 'missing metric name'],
  ];

  for (const [title, text, line, message] of cases) {
    it(title, () => {
      const error = parseError(text, 'prometheus-text');

      expect(error.line).toBe(line);
      expect(error.code).toBe('invalid_exposition');
      expect(error.message).toBe(`Invalid exposition text at line ${line}: ${message}`);
    });
  }

  it('rejects OpenMetrics without # EOF', () => {
    const error = parseError('# TYPE a gauge\na 1\n', 'openmetrics');

    expect(error.line).toBe(2);
    expect(error.message).toContain('missing "# EOF"');
  });

  it('rejects content after # EOF', () => {
    const error = parseError('a 1\n# EOF\nb 2\n', 'openmetrics');
    expect(error.line).toBe(3);
    expect(error.message).toContain('content after "# EOF"');
  });

  it('rejects bad OpenMetrics timestamp', () => {
    const error = parseError('a 1 soon\n# EOF\n', 'openmetrics');
    expect(error.message).toContain('invalid timestamp "soon" for "a": expected seconds');
  });

  it('rejects bad exemplar', () => {
    const error = parseError('a_bucket{le="1"} 1 # {trace_id="x"} many\n# EOF\n', 'openmetrics');
    expect(error.message).toContain('invalid exemplar value "many"');
  });

  it('survives random garbage', () => {
    const alphabet = 'ab_{}="\\,# \n\t01.+-eNInf';
    let seed = 7;
    for (let round = 0; round < 2_000; round++) {
      let text = '';
      for (let i = 0; i < 60; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        text += alphabet[seed % alphabet.length];
      }
      try {
        parseExposition(text);
      } catch (error) {
        expect(error).toBeInstanceOf(ExpositionParseError);
      }
    }
  });
});
