// Telemetry sources of the example ML agent and the configuration readers of the examples.
import { type LocalReader, parseExposition } from '@mlsysops/telemetry-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readServiceConfig } from '../examples/inference-service/src/config.js';
import { readAgentConfig } from '../examples/ml-agent/src/config.js';
import { firstValue, observationQueries } from '../examples/ml-agent/src/promql-source.js';
import { createTextSource } from '../examples/ml-agent/src/text-source.js';

/** Prometheus text of the service's metrics with the given cumulative values. */
function exposition(values: {
  fast: number;
  slow: number;
  queue: number;
  errors: number;
  other?: number;
}): string {
  const total = values.fast + values.slow;
  const labels = 'job="inference-service",service_name="inference-service"';
  return [
    '# TYPE mlsysops_inference_duration_seconds histogram',
    `mlsysops_inference_duration_seconds_bucket{${labels},le="0.05"} ${values.fast}`,
    `mlsysops_inference_duration_seconds_bucket{${labels},le="0.1"} ${total}`,
    `mlsysops_inference_duration_seconds_bucket{${labels},le="+Inf"} ${total}`,
    `mlsysops_inference_duration_seconds_count{${labels}} ${total}`,
    `mlsysops_inference_duration_seconds_sum{${labels}} 1`,
    '# TYPE mlsysops_inference_requests_total counter',
    `mlsysops_inference_requests_total{${labels}} ${total}`,
    `mlsysops_inference_requests_total{job="other",service_name="other"} ${values.other ?? 0}`,
    '# TYPE mlsysops_inference_errors_total counter',
    `mlsysops_inference_errors_total{${labels},error_type="queue_full"} ${values.errors}`,
    '# TYPE mlsysops_queue_depth gauge',
    `mlsysops_queue_depth{${labels}} ${values.queue}`,
    '',
  ].join('\n');
}

/** A LocalReader that returns the scripted texts in order. */
function scriptedReader(texts: string[]): LocalReader {
  let next = 0;
  return {
    url: 'http://127.0.0.1:1/metrics',
    scrape: async () => parseExposition(texts[next++]!),
  } as unknown as LocalReader;
}

describe('agent text source', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads only the queue first', async () => {
    const source = createTextSource(
      scriptedReader([exposition({ fast: 10, slow: 10, queue: 3, errors: 0 })]),
      'inference-service',
      30_000,
    );

    expect(await source.read()).toEqual({
      p95LatencySeconds: undefined,
      requestRate: undefined,
      queueDepth: 3,
      errorRate: undefined,
    });
    expect(source.description).toBe('prometheus-text http://127.0.0.1:1/metrics');
  });

  it('derives rates between scrapes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const source = createTextSource(
      scriptedReader([
        exposition({ fast: 10, slow: 10, queue: 3, errors: 1, other: 5 }),
        exposition({ fast: 30, slow: 30, queue: 0, errors: 5, other: 500 }),
      ]),
      'inference-service',
      30_000,
    );

    await source.read();
    vi.setSystemTime(1_010_000);
    const observation = await source.read();

    // 40 new requests: 20 up to 50 ms, 20 from 50 to 100 ms; rank 38 lies 18/20 into the second bucket.
    expect(observation.p95LatencySeconds).toBeCloseTo(0.095, 12);
    expect(observation.requestRate).toBe(4);
    expect(observation.errorRate).toBe(0.4);
    expect(observation.queueDepth).toBe(0);
  });
});

describe('agent promql source', () => {
  it('builds the observation queries', () => {
    expect(observationQueries('job="inference-service"', '30s')).toEqual({
      p95LatencySeconds:
        'histogram_quantile(0.95, sum by (le) (rate(mlsysops_inference_duration_seconds_bucket{job="inference-service"}[30s])))',
      requestRate: 'sum(rate(mlsysops_inference_requests_total{job="inference-service"}[30s]))',
      queueDepth: 'max(mlsysops_queue_depth{job="inference-service"})',
      errorRate: 'sum(rate(mlsysops_inference_errors_total{job="inference-service"}[30s]))',
    });
  });

  it('treats NaN and empty results as no data', () => {
    const sample = (value: number) => ({
      resultType: 'vector' as const,
      result: [{ metric: {}, value: { timestampMillis: 0, value } }],
      warnings: [],
      infos: [],
    });
    expect(firstValue(sample(2.5))).toBe(2.5);
    expect(firstValue(sample(Number.NaN))).toBe(undefined);
    expect(firstValue({ resultType: 'vector', result: [], warnings: [], infos: [] })).toBe(
      undefined,
    );
  });
});

describe('example configuration', () => {
  it('falls back on invalid service values', () => {
    const warnings: string[] = [];
    const config = readServiceConfig(
      {
        INFERENCE_BATCH_SIZE: '0',
        INFERENCE_WORKERS: 'abc',
        INFERENCE_METRICS_ENDPOINT: 'yes',
        INFERENCE_PORT: '0',
      },
      (message) => warnings.push(message),
    );

    expect(config.batchSize).toBe(4);
    expect(config.workers).toBe(1);
    expect(config.exposeMetrics).toBe(false);
    expect(config.port).toBe(0);
    expect(warnings).toEqual([
      'invalid INFERENCE_BATCH_SIZE="0"; expected an integer from 1 to 256; using 4',
      'invalid INFERENCE_WORKERS="abc"; expected an integer from 1 to 32; using 1',
      'invalid INFERENCE_METRICS_ENDPOINT="yes"; expected true or false; using false',
    ]);
  });

  it('chooses the agent source', () => {
    const warnings: string[] = [];
    const promql = readAgentConfig(
      { MLSYSOPS_QUERY_URL: 'http://127.0.0.1:9090', AGENT_WINDOW_SECONDS: '12' },
      (m) => warnings.push(m),
    );
    expect(promql.source).toBe('promql');
    expect(promql.cooldownSeconds).toBe(12);
    expect(promql.promqlSelector).toBe('job="inference-service"');

    const text = readAgentConfig({ SERVICE_URL: 'not a url', AGENT_INTERVAL_MILLIS: '5' }, (m) =>
      warnings.push(m),
    );
    expect(text.source).toBe('prometheus-text');
    expect(text.serviceUrl.href).toBe('http://127.0.0.1:8080/');
    expect(text.intervalMillis).toBe(5000);
    expect(warnings).toEqual([
      'invalid SERVICE_URL="not a url"; expected an http URL; using http://127.0.0.1:8080/',
      'invalid AGENT_INTERVAL_MILLIS="5"; expected an integer from 100 to 3600000; using 5000',
    ]);
  });
});
