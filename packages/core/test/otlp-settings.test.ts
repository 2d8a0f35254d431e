import { DiagLogLevel, diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  appendSignalPath,
  REDACTED,
  redactSettings,
  resolveSettings,
  type TelemetryOptions,
} from '../src/index.js';

const NO_FILE = { serviceAccountNamespaceFile: '/nonexistent/namespace' };

function resolve(options: TelemetryOptions = {}, env: Record<string, string> = {}) {
  return resolveSettings(options, env, NO_FILE);
}

describe('appendSignalPath', () => {
  it('appends /v1/<signal> to the base path', () => {
    expect(appendSignalPath('http://h:4318', 'metrics')).toBe('http://h:4318/v1/metrics');
    expect(appendSignalPath('http://h:4318/', 'traces')).toBe('http://h:4318/v1/traces');
    expect(appendSignalPath('https://h/otlp', 'logs')).toBe('https://h/otlp/v1/logs');
    expect(appendSignalPath('https://h/otlp/', 'logs')).toBe('https://h/otlp/v1/logs');
  });
});

describe('otlp endpoint rules', () => {
  it('generic variable gets the signal path', () => {
    const settings = resolve({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' });
    expect(settings.otlp.metrics.url).toBe('http://collector:4318/v1/metrics');
    expect(settings.otlp.traces.url).toBe('http://collector:4318/v1/traces');
    expect(settings.otlp.logs.url).toBe('http://collector:4318/v1/logs');
    expect(settings.otlp.logs.urlSource).toBe('OTEL_EXPORTER_OTLP_ENDPOINT');
  });

  it('signal variable is used as given and wins over generic', () => {
    const settings = resolve(
      {},
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/custom',
      },
    );
    expect(settings.otlp.traces.url).toBe('http://tempo:4318/custom');
    expect(settings.otlp.traces.urlSource).toBe('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
    expect(settings.otlp.metrics.url).toBe('http://collector:4318/v1/metrics');
  });

  it('gRPC generic endpoint gets no path', () => {
    const settings = resolve(
      {},
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
    );
    expect(settings.otlp.metrics.url).toBe('http://collector:4317');
    expect(settings.otlp.metrics.protocol).toBe('grpc');
  });

  it('gRPC accepts host:port', () => {
    const settings = resolve(
      {},
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
    );
    expect(settings.otlp.metrics.url).toBe('collector:4317');
    expect(settings.warnings).toEqual([]);
  });

  it('code options win over variables', () => {
    const settings = resolve(
      { otlp: { endpoint: 'http://code:4318', logs: { endpoint: 'http://logs:9/x' } } },
      { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://env:4318/v1/metrics' },
    );
    expect(settings.otlp.metrics.url).toBe('http://code:4318/v1/metrics');
    expect(settings.otlp.metrics.urlSource).toBe('otlp.endpoint');
    expect(settings.otlp.logs.url).toBe('http://logs:9/x');
    expect(settings.otlp.logs.urlSource).toBe('otlp.logs.endpoint');
  });

  it('endpoint that is not a URL warns and is ignored', () => {
    const settings = resolve({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' });
    expect(settings.otlp.metrics.url).toBeUndefined();
    expect(settings.warnings).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318" is invalid: expected an http:// or https:// URL',
    ]);
  });

  it('bad signal endpoint falls back to the generic one', () => {
    const settings = resolve(
      {},
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: '::bad::',
      },
    );
    expect(settings.otlp.metrics.url).toBe('http://collector:4318/v1/metrics');
    expect(settings.warnings).toHaveLength(1);
  });
});

describe('otlp protocol, headers and transport options', () => {
  it('protocol: signal variable > generic variable > default', () => {
    const settings = resolve(
      {},
      { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'grpc' },
    );
    expect(settings.otlp.metrics.protocol).toBe('http/json');
    expect(settings.otlp.logs.protocol).toBe('grpc');
    expect(settings.otlp.logs.protocolSource).toBe('OTEL_EXPORTER_OTLP_LOGS_PROTOCOL');
    expect(
      resolve({ otlp: { protocol: 'grpc' } }, { OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json' })
        .otlp.logs.protocol,
    ).toBe('grpc');
  });

  it('bad protocol warns once for all signals', () => {
    const settings = resolve({}, { OTEL_EXPORTER_OTLP_PROTOCOL: 'udp' });
    expect(settings.otlp.traces.protocol).toBe('http/protobuf');
    expect(settings.warnings).toEqual([
      'OTEL_EXPORTER_OTLP_PROTOCOL="udp" is invalid: expected one of http/protobuf, http/json, grpc',
    ]);
  });

  it('headers merge key by key, percent-decoded', () => {
    const settings = resolve(
      { otlp: { headers: { 'x-code': '1' }, traces: { headers: { 'x-code': '2' } } } },
      {
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-tenant=a',
        OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-tenant=b',
      },
    );
    expect(settings.otlp.metrics.headers).toEqual({
      authorization: 'Bearer abc',
      'x-tenant': 'b',
      'x-code': '1',
    });
    expect(settings.otlp.traces.headers).toEqual({
      authorization: 'Bearer abc',
      'x-tenant': 'a',
      'x-code': '2',
    });
  });

  it('compression, timeout, TLS files and insecure', () => {
    const settings = resolve(
      {},
      {
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'none',
        OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
        OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '700',
        OTEL_EXPORTER_OTLP_CERTIFICATE: '/ca.pem',
        OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY: '/key.pem',
        OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/cert.pem',
        OTEL_EXPORTER_OTLP_INSECURE: 'true',
        OTEL_EXPORTER_OTLP_LOGS_INSECURE: 'false',
      },
    );
    expect(settings.otlp.metrics.compression).toBe('gzip');
    expect(settings.otlp.traces.compression).toBe('none');
    expect(settings.otlp.metrics.timeoutMillis).toBe(700);
    expect(settings.otlp.traces.timeoutMillis).toBe(2500);
    expect(settings.otlp.metrics.certificateFile).toBe('/ca.pem');
    expect(settings.otlp.logs.clientKeyFile).toBe('/key.pem');
    expect(settings.otlp.metrics.clientKeyFile).toBeUndefined();
    expect(settings.otlp.traces.clientCertificateFile).toBe('/cert.pem');
    expect(settings.otlp.metrics.insecure).toBe(true);
    expect(settings.otlp.logs.insecure).toBe(false);
  });

  it('bad compression and timeout fall back', () => {
    const settings = resolve(
      {},
      { OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd', OTEL_EXPORTER_OTLP_TIMEOUT: '-1' },
    );
    expect(settings.otlp.metrics.compression).toBe('none');
    expect(settings.otlp.metrics.timeoutMillis).toBe(10_000);
    expect(settings.warnings).toEqual([
      'OTEL_EXPORTER_OTLP_COMPRESSION="zstd" is invalid: expected one of gzip, none',
      'OTEL_EXPORTER_OTLP_TIMEOUT="-1" is invalid: expected an integer from 1 to 9007199254740991',
    ]);
  });
});

describe('redactSettings', () => {
  it('hides header values and URL credentials', () => {
    const settings = resolve(
      {},
      {
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20topsecret',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://user:pw@collector:4318/?token=abc',
      },
    );
    const printed = JSON.stringify(redactSettings(settings));
    expect(printed).not.toContain('topsecret');
    expect(printed).not.toContain(':pw@');
    expect(printed).not.toContain('abc');
    const otlp = redactSettings(settings).otlp as Record<string, { headers: unknown; url: string }>;
    expect(otlp.metrics?.headers).toEqual({ authorization: REDACTED });
    expect(otlp.metrics?.url).toBe(
      'https://%3Credacted%3E:%3Credacted%3E@collector:4318/v1/metrics?token=%3Credacted%3E',
    );
  });
});

describe('environment warnings through diag', () => {
  afterEach(() => diag.disable());

  it('logs each bad value as a warning', () => {
    const warnings: string[] = [];
    diag.setLogger(
      {
        error: () => {},
        warn: (...args: unknown[]) => warnings.push(args.join(' ')),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      DiagLogLevel.WARN,
    );
    resolve({}, { OTEL_SDK_DISABLED: 'sometimes' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toBe(
      '@mlsysops/telemetry-core/settings ' +
        'OTEL_SDK_DISABLED="sometimes" is invalid: expected true or false; the value is ignored',
    );
  });
});
