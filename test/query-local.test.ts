// Local reads against real exposition output: the Collector's `prometheus` exporter (as the
// MLSysOps node agent serves it on hostPort 9999) in OpenMetrics and in the Prometheus text
// format, and Prometheus's own /metrics.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '@mlsysops/telemetry-cli';
import {
  createLocalReader,
  ExpositionParseError,
  type MetricFamily,
  type MetricWatchEvent,
  QueryConnectionError,
  type QueryError,
} from '@mlsysops/telemetry-query';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorHandle, startCollector } from './support/collector.js';
import { testCollectorConfig } from './support/collector-config.js';
import { freePort } from './support/ports.js';
import { type PrometheusHandle, startPrometheus } from './support/prometheus.js';

const HOSTILE_ROUTE = 'x"} or vector(1) or up{a="\\\n';

let collector: CollectorHandle;
let prometheus: PrometheusHandle;
let meterProvider: MeterProvider;
let exporterEndpoint: string;
let loadValue = 0.5;

function family(families: MetricFamily[], name: string): MetricFamily {
  const found = families.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`family ${name} not found in ${families.map((f) => f.name).join(', ')}`);
  }
  return found;
}

async function rejection(promise: Promise<unknown>): Promise<QueryError> {
  try {
    await promise;
  } catch (error) {
    return error as QueryError;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  const config = testCollectorConfig({ prometheusExporter: true });
  const exporters = config.exporters as Record<string, Record<string, unknown>>;
  exporters.prometheus!.enable_open_metrics = true;
  collector = await startCollector({ config, portNames: ['prometheus'] });
  exporterEndpoint = `127.0.0.1:${collector.ports.prometheus}`;
  prometheus = await startPrometheus();

  meterProvider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'query-local-e2e' }),
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${collector.endpoints.otlpHttp}/v1/metrics` }),
        exportIntervalMillis: 200,
      }),
    ],
  });
  const meter = meterProvider.getMeter('query-local-e2e');
  const requests = meter.createCounter('e2e_requests');
  requests.add(5, { route: '/a' });
  requests.add(7, { route: HOSTILE_ROUTE });
  meter.createObservableGauge('e2e_load').addCallback((result) => {
    result.observe(loadValue, { node: 'n1' });
  });
  const latency = meter.createHistogram('e2e_latency', { unit: 's' });
  for (const seconds of [0.3, 7, 20]) latency.record(seconds);

  const reader = createLocalReader({ endpoint: exporterEndpoint, env: {} });
  const deadline = Date.now() + 30_000;
  while ((await reader.getSamples('e2e_requests_total').catch(() => [])).length < 2) {
    if (Date.now() > deadline) throw new Error('metrics did not reach the Collector exporter');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  await meterProvider?.shutdown().catch(() => undefined);
  await Promise.allSettled([collector?.stop(), prometheus?.stop()]);
});

describe('local reads of the Collector exporter', () => {
  it('parses OpenMetrics output', async () => {
    const reader = createLocalReader({ endpoint: exporterEndpoint, env: {} });
    const result = await reader.scrape();
    const requests = family(result.families, 'e2e_requests');
    const latency = family(result.families, 'e2e_latency_seconds');

    expect(result.format).toBe('openmetrics');
    expect(requests.type).toBe('counter');
    expect(requests.samples.map((s) => s.name)).toEqual([
      'e2e_requests_total',
      'e2e_requests_total',
    ]);
    expect(latency.type).toBe('histogram');
    expect(new Set(latency.samples.map((s) => s.name))).toEqual(
      new Set([
        'e2e_latency_seconds_bucket',
        'e2e_latency_seconds_sum',
        'e2e_latency_seconds_count',
      ]),
    );
    expect(family(result.families, 'e2e_load').type).toBe('gauge');
  });

  it('parses Prometheus text output', async () => {
    const reader = createLocalReader({
      endpoint: exporterEndpoint,
      format: 'prometheus-text',
      env: {},
    });
    const result = await reader.scrape();
    const requests = family(result.families, 'e2e_requests_total');

    expect(result.format).toBe('prometheus-text');
    expect(requests.type).toBe('counter');
    expect(requests.samples).toHaveLength(2);
    expect(family(result.families, 'e2e_latency_seconds').type).toBe('histogram');
  });

  for (const format of ['openmetrics', 'prometheus-text'] as const) {
    it(`reads exact values (${format})`, async () => {
      const reader = createLocalReader({ endpoint: exporterEndpoint, format, env: {} });

      expect(await reader.getMetricValue('e2e_requests_total', { route: HOSTILE_ROUTE })).toBe(7);
      expect(
        await reader.getMetricValue('e2e_requests_total', { route: '/a', job: 'query-local-e2e' }),
      ).toBe(5);
      expect(await reader.getMetricValue('e2e_latency_seconds_bucket', { le: '+Inf' })).toBe(3);
      expect(await reader.getMetricValue('e2e_latency_seconds_bucket', { le: '5' })).toBe(1);
      expect(await reader.getMetricValue('e2e_latency_seconds_count')).toBe(3);
      expect(await reader.getMetricValue('e2e_latency_seconds_sum')).toBeCloseTo(27.3, 9);
      expect(
        await reader.getMetricValue('e2e_requests_total', { route: '/missing' }),
      ).toBeUndefined();
    });
  }

  it('reads counter by family name', async () => {
    const reader = createLocalReader({
      endpoint: exporterEndpoint,
      format: 'openmetrics',
      env: {},
    });
    expect(await reader.getMetricValue('e2e_requests', { route: '/a' })).toBe(5);
  });

  it('resolves LOCAL_OTEL_ENDPOINT', async () => {
    const reader = createLocalReader({ env: { LOCAL_OTEL_ENDPOINT: exporterEndpoint } });

    expect(reader.url).toBe(`http://${exporterEndpoint}/metrics`);
    expect(await reader.getMetricValue('e2e_load', { node: 'n1' })).toBe(0.5);
  });

  it('watches value changes', async () => {
    const reader = createLocalReader({ endpoint: exporterEndpoint, env: {} });
    const events: MetricWatchEvent[] = [];
    let resolveChanged: () => void = () => undefined;
    const changed = new Promise<void>((resolve) => {
      resolveChanged = resolve;
    });
    const stop = reader.watch('e2e_load', { node: 'n1' }, { intervalMillis: 100 }, (event) => {
      events.push(event);
      if (event.value === 0.5) loadValue = 2.5;
      if (event.value === 2.5) resolveChanged();
    });

    await Promise.race([
      changed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no change seen')), 20_000)),
    ]).finally(stop);

    expect(events[0]?.value).toBe(0.5);
    expect(events.at(-1)?.value).toBe(2.5);
    expect(events.every((event) => event.error === undefined)).toBe(true);
  });

  it('reports down endpoint', async () => {
    const port = await freePort('127.0.0.1');
    const reader = createLocalReader({ endpoint: `127.0.0.1:${port}`, env: {} });

    expect(await reader.getMetricValue('e2e_load')).toBeUndefined();
    expect(await rejection(reader.scrape())).toBeInstanceOf(QueryConnectionError);
  });

  it('reports malformed endpoint output', async () => {
    const server: Server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/openmetrics-text; version=1.0.0');
      response.end('# TYPE good gauge\ngood 1\nbad{le="1" 2\n# EOF\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const reader = createLocalReader({ endpoint: `127.0.0.1:${port}`, env: {} });
      const error = await rejection(reader.scrape());

      expect(error).toBeInstanceOf(ExpositionParseError);
      expect((error as ExpositionParseError).line).toBe(3);
      expect(await reader.getMetricValue('good')).toBeUndefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('watch across a Collector restart', () => {
  it('reports errors then recovers', async () => {
    const reader = createLocalReader({ endpoint: exporterEndpoint, timeoutMillis: 1_000, env: {} });
    const events: MetricWatchEvent[] = [];
    let restarted = false;
    let resolveRecovered: () => void = () => undefined;
    const recovered = new Promise<void>((resolve) => {
      resolveRecovered = resolve;
    });
    const stop = reader.watch('e2e_load', { node: 'n1' }, { intervalMillis: 50 }, (event) => {
      events.push(event);
      if (restarted && event.value !== undefined) resolveRecovered();
    });

    try {
      // The watch keeps polling while the Collector is down between stop and start.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await collector.restart();
      restarted = true;
      await Promise.race([
        recovered,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no recovery')), 30_000)),
      ]);
    } finally {
      stop();
    }

    const failed = events.filter((event) => event.error !== undefined);
    expect(events[0]?.value).toBeDefined();
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]?.error).toBeInstanceOf(QueryConnectionError);
    expect(events.at(-1)?.value).toBeDefined();
  });
});

describe('local reads of Prometheus /metrics', () => {
  it('parses real Prometheus output', async () => {
    const reader = createLocalReader({ endpoint: `${prometheus.url}/metrics`, env: {} });
    const result = await reader.scrape();
    const build = family(result.families, 'prometheus_build_info');
    const duration = family(result.families, 'prometheus_http_request_duration_seconds');
    const gc = family(result.families, 'go_gc_duration_seconds');

    expect(result.families.length).toBeGreaterThan(50);
    expect(build.type).toBe('gauge');
    expect(build.help).toBe(
      "A metric with a constant '1' value labeled by version, revision, branch, goversion from which prometheus was built, and the goos and goarch for the build.",
    );
    expect(build.samples[0]?.labels.version).toMatch(/^2\./);
    expect(duration.type).toBe('histogram');
    expect(duration.samples.some((s) => s.name.endsWith('_bucket') && s.labels.le === '+Inf')).toBe(
      true,
    );
    expect(
      duration.samples.some((s) => s.name === 'prometheus_http_request_duration_seconds_count'),
    ).toBe(true);
    expect(gc.type).toBe('summary');
    expect(gc.samples.filter((s) => s.labels.quantile !== undefined).length).toBe(5);
    expect(gc.samples.some((s) => s.name === 'go_gc_duration_seconds_sum')).toBe(true);
    expect(await reader.getMetricValue('prometheus_ready')).toBe(1);
  });
});

describe('scrape command against the Collector exporter', () => {
  it('prints filtered table', async () => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['scrape', '--match', 'e2e_requests_total', '--label', 'route=/a'], {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      env: { LOCAL_OTEL_ENDPOINT: exporterEndpoint },
    });
    const lines = stdout.trimEnd().split('\n');

    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^SAMPLE +VALUE +TYPE +TIME$/);
    expect(lines[1]).toMatch(/^e2e_requests_total\{.*route="\/a".*\} +5 +counter$/);
  });
});
