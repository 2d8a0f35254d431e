import { createAgentEndpointOverride } from '@mlsysops/telemetry-core';
import { createSeverityFilterProcessor } from '@mlsysops/telemetry-logs';
import { createAdjustableMetricReader } from '@mlsysops/telemetry-metrics';
import { createAdjustableSampler } from '@mlsysops/telemetry-traces';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
} from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReconfigurationController } from '../src/reconfigure-controller.js';

const infoLines: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

beforeEach(() => {
  infoLines.length = 0;
  const record = (message: string, ...args: unknown[]) => {
    infoLines.push([message, ...args].join(' '));
  };
  diag.setLogger(
    { info: record, warn: () => {}, error: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.INFO, suppressOverrideMessage: true },
  );
});

afterEach(async () => {
  diag.disable();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setup() {
  const metricReader = createAdjustableMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.DELTA),
    exportIntervalMillis: 60_000,
  });
  const provider = new MeterProvider({ readers: [metricReader] });
  cleanups.push(() => provider.shutdown());

  const sampler = createAdjustableSampler({ ratio: 1 });
  const severityFilter = createSeverityFilterProcessor(
    new SimpleLogRecordProcessor({ exporter: new InMemoryLogRecordExporter() }),
    'info',
  );
  const endpointOverride = createAgentEndpointOverride();
  const controller = createReconfigurationController({
    metricReader,
    sampler,
    severityFilter,
    endpointOverride,
  });
  return { controller, metricReader, sampler, severityFilter, endpointOverride };
}

function reconfigureLines(): string[] {
  return infoLines.filter((line) => line.includes('reconfigured'));
}

describe('reconfiguration controller', () => {
  it('applies every field', () => {
    const parts = setup();
    const result = parts.controller.reconfigure({
      metricExportIntervalMillis: 5_000,
      metricViews: [{ instrument: 'queue.*', drop: true }],
      tracesSamplerRatio: 0.25,
      logMinSeverity: 'warn',
      agentEndpoint: '127.0.0.1:43170',
    });

    expect(result.changed).toEqual([
      'metricExportIntervalMillis',
      'metricViews',
      'tracesSamplerRatio',
      'logMinSeverity',
      'agentEndpoint',
    ]);
    expect(parts.metricReader.exportIntervalMillis).toBe(5_000);
    expect(parts.metricReader.viewRules).toEqual([{ instrument: 'queue.*', drop: true }]);
    expect(parts.sampler.ratio).toBe(0.25);
    expect(parts.severityFilter.minSeverity).toBe('warn');
    expect(parts.endpointOverride.endpoint).toBe('127.0.0.1:43170');

    const lines = reconfigureLines();
    expect(lines.length).toBe(5);
    expect(lines[0]).toContain(
      'reconfigured metricExportIntervalMillis: 60000 -> 5000 (source: code)',
    );
    expect(lines[4]).toContain(
      'reconfigured agentEndpoint: discovered agent -> "127.0.0.1:43170" (source: code)',
    );

    const status = parts.controller.status();
    expect(status.changes).toBe(1);
    expect(status.lastChange?.source).toBe('code');
    expect(status.lastChange?.fields.length).toBe(5);
    expect(status.settings).toEqual({
      metricExportIntervalMillis: 5_000,
      metricViews: [{ instrument: 'queue.*', drop: true }],
      tracesSamplerRatio: 0.25,
      logMinSeverity: 'warn',
      agentEndpoint: '127.0.0.1:43170',
    });
  });

  it('invalid field applies nothing', () => {
    const parts = setup();
    expect(() =>
      parts.controller.reconfigure({
        metricExportIntervalMillis: 5_000,
        tracesSamplerRatio: 2,
      }),
    ).toThrow('Invalid setting tracesSamplerRatio: 2; expected a number from 0 to 1.');
    expect(parts.metricReader.exportIntervalMillis).toBe(60_000);
    expect(parts.controller.status().lastChange).toBeUndefined();
    expect(reconfigureLines().length).toBe(0);
  });

  it('missing part rejects field', () => {
    const sampler = createAdjustableSampler({ ratio: 1 });
    const controller = createReconfigurationController({ sampler });
    expect(() =>
      controller.reconfigure({ tracesSamplerRatio: 0.5, logMinSeverity: 'error' }),
    ).toThrow(
      'Cannot reconfigure logMinSeverity: its signal is off or uses an application-provided component. Adjustable fields here: tracesSamplerRatio.',
    );
    expect(sampler.ratio).toBe(1);
  });

  it('same values change nothing', () => {
    const parts = setup();
    parts.controller.reconfigure({ tracesSamplerRatio: 0.5 }, 'file');
    const first = parts.controller.status().lastChange;
    expect(first?.source).toBe('file');

    expect(parts.controller.reconfigure({ tracesSamplerRatio: 0.5 }).changed).toEqual([]);
    expect(parts.controller.status().lastChange).toEqual(first);
    expect(parts.controller.status().changes).toBe(1);
    expect(reconfigureLines().length).toBe(1);
  });

  it('null endpoint returns to discovery', () => {
    const parts = setup();
    parts.controller.reconfigure({ agentEndpoint: 'http://127.0.0.1:43180' });
    parts.controller.reconfigure({ agentEndpoint: null });
    expect(parts.endpointOverride.endpoint).toBeUndefined();
    expect(parts.controller.status().settings.agentEndpoint).toBeNull();
    expect(reconfigureLines()[1]).toContain(
      'reconfigured agentEndpoint: "http://127.0.0.1:43180" -> discovered agent',
    );
  });
});
