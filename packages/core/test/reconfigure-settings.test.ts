import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentEndpointOverride } from '../src/reconfiguration/agent-endpoint-override.js';
import { parseSettingsDocument } from '../src/reconfiguration/parse-settings-document.js';
import {
  type SettingsFileWatcher,
  watchSettingsFile,
} from '../src/reconfiguration/settings-file-watcher.js';
import type { ReconfigurableSettings } from '../src/reconfiguration/types.js';
import {
  ReconfigurationError,
  validateReconfiguration,
} from '../src/reconfiguration/validate-reconfiguration.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('validateReconfiguration', () => {
  it('accepts every field', () => {
    expect(
      validateReconfiguration({
        metricExportIntervalMillis: 5_000,
        metricViews: [{ instrument: ' inference.* ', attributeKeys: ['model.name'] }],
        tracesSamplerRatio: 0.25,
        logMinSeverity: 'WARN',
        agentEndpoint: 'http://127.0.0.1:43180/',
      }),
    ).toEqual({
      metricExportIntervalMillis: 5_000,
      metricViews: [{ instrument: 'inference.*', attributeKeys: ['model.name'] }],
      tracesSamplerRatio: 0.25,
      logMinSeverity: 'warn',
      agentEndpoint: 'http://127.0.0.1:43180',
    });
  });

  it('accepts pre-aggregation intervals', () => {
    expect(
      validateReconfiguration({
        preAggregationIntervals: { 'inference.duration': 5_000, 'queue.depth': 2_147_483_647 },
      }),
    ).toEqual({
      preAggregationIntervals: { 'inference.duration': 5_000, 'queue.depth': 2_147_483_647 },
    });
    expect(validateReconfiguration({ preAggregationIntervals: {} })).toEqual({
      preAggregationIntervals: {},
    });
  });

  it('accepts grpc host:port and null', () => {
    expect(validateReconfiguration({ agentEndpoint: '127.0.0.1:43170' })).toEqual({
      agentEndpoint: '127.0.0.1:43170',
    });
    expect(validateReconfiguration({ agentEndpoint: '[::1]:43170' })).toEqual({
      agentEndpoint: '[::1]:43170',
    });
    expect(validateReconfiguration({ agentEndpoint: null })).toEqual({ agentEndpoint: null });
  });

  it.each([
    [
      { metricExportIntervalMillis: 999 },
      'metricExportIntervalMillis',
      'Invalid setting metricExportIntervalMillis: 999; expected an integer number of milliseconds from 1000 to 86400000.',
    ],
    [
      { metricExportIntervalMillis: '5000' },
      'metricExportIntervalMillis',
      'Invalid setting metricExportIntervalMillis: "5000"',
    ],
    [
      { tracesSamplerRatio: 1.5 },
      'tracesSamplerRatio',
      'Invalid setting tracesSamplerRatio: 1.5; expected a number from 0 to 1.',
    ],
    [
      { logMinSeverity: 'verbose' },
      'logMinSeverity',
      'Invalid setting logMinSeverity: "verbose"; expected one of trace, debug, info, warn, error, fatal.',
    ],
    [
      { agentEndpoint: 'ftp://127.0.0.1:1' },
      'agentEndpoint',
      'Invalid setting agentEndpoint: "ftp://127.0.0.1:1"',
    ],
    [{ agentEndpoint: '127.0.0.1' }, 'agentEndpoint', 'Invalid setting agentEndpoint: "127.0.0.1"'],
    [
      { agentEndpoint: '127.0.0.1:70000' },
      'agentEndpoint',
      'Invalid setting agentEndpoint: "127.0.0.1:70000"',
    ],
    [
      { agentEndpoint: 'http://user:secret@127.0.0.1:1' },
      'agentEndpoint',
      'Invalid setting agentEndpoint: "<URL with credentials>"',
    ],
    [
      { metricViews: {} },
      'metricViews',
      'Invalid setting metricViews: {}; expected an array of view rules.',
    ],
    [
      { metricViews: [{ instrument: 'a' }] },
      'metricViews[0]',
      'Invalid setting metricViews[0]: {"instrument":"a"}; expected drop, attributeKeys or excludeAttributeKeys next to instrument.',
    ],
    [
      { metricViews: [{ instrument: 'a', drop: 'yes' }] },
      'metricViews[0].drop',
      'Invalid setting metricViews[0].drop: "yes"; expected true or false.',
    ],
    [
      { metricViews: [{ instrument: 'a', attributeKeys: [1] }] },
      'metricViews[0].attributeKeys',
      'Invalid setting metricViews[0].attributeKeys: [1]',
    ],
    [
      { metricViews: [{ instrument: 'a', keep: [] }] },
      'metricViews[0].keep',
      'Invalid setting metricViews[0].keep: []; expected no such field',
    ],
    [
      { exportInterval: 5 },
      'exportInterval',
      'Invalid setting exportInterval: 5; expected no such field; accepted fields are metricExportIntervalMillis, metricViews, preAggregationIntervals, tracesSamplerRatio, logMinSeverity, agentEndpoint.',
    ],
    [
      { preAggregationIntervals: [5_000] },
      'preAggregationIntervals',
      'Invalid setting preAggregationIntervals: [5000]; expected an object that maps pre-aggregated instrument names to window lengths in milliseconds.',
    ],
    [
      { preAggregationIntervals: { 'inference.duration': 0 } },
      'preAggregationIntervals.inference.duration',
      'Invalid setting preAggregationIntervals.inference.duration: 0; expected an integer number of milliseconds from 1 to 2147483647.',
    ],
    [
      { preAggregationIntervals: { a: 5_000, b: 2 ** 31 } },
      'preAggregationIntervals.b',
      'Invalid setting preAggregationIntervals.b: 2147483648; expected an integer number of milliseconds from 1 to 2147483647.',
    ],
    [
      { preAggregationIntervals: { a: '5000' } },
      'preAggregationIntervals.a',
      'Invalid setting preAggregationIntervals.a: "5000"',
    ],
    [
      { preAggregationIntervals: { a: 1.5 } },
      'preAggregationIntervals.a',
      'Invalid setting preAggregationIntervals.a: 1.5',
    ],
    [
      { preAggregationIntervals: { ' ': 5_000 } },
      'preAggregationIntervals',
      'Invalid setting preAggregationIntervals: {" ":5000}; expected instrument names that are not empty.',
    ],
    [[1], 'settings', 'Invalid setting settings: [1]; expected an object'],
  ])('rejects %j', (input, field, message) => {
    let error: unknown;
    try {
      validateReconfiguration(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ReconfigurationError);
    expect((error as ReconfigurationError).field).toBe(field);
    expect((error as Error).message).toContain(message);
  });
});

describe('parseSettingsDocument', () => {
  it('parses YAML intervals', async () => {
    const text = 'preAggregationIntervals:\n  inference.duration: 5000\n  "queue/depth": 30000\n';
    const parsed = await parseSettingsDocument('settings.yaml', text);
    expect(validateReconfiguration(parsed)).toEqual({
      preAggregationIntervals: { 'inference.duration': 5_000, 'queue/depth': 30_000 },
    });
  });

  it('parses YAML', async () => {
    const text =
      'metricExportIntervalMillis: 5000\nmetricViews:\n  - instrument: "queue.*"\n    drop: true\n';
    expect(await parseSettingsDocument('settings.yaml', text)).toEqual({
      metricExportIntervalMillis: 5_000,
      metricViews: [{ instrument: 'queue.*', drop: true }],
    });
  });

  it('parses JSON by content', async () => {
    expect(await parseSettingsDocument('settings', '{"tracesSamplerRatio": 0.5}')).toEqual({
      tracesSamplerRatio: 0.5,
    });
  });

  it('empty document is empty object', async () => {
    expect(await parseSettingsDocument('settings.yaml', '  \n')).toEqual({});
  });

  it('rejects duplicate YAML keys', async () => {
    await expect(parseSettingsDocument('s.yaml', 'a: 1\na: 2\n')).rejects.toThrow(
      'Settings file s.yaml is not valid YAML: Map keys must be unique',
    );
  });

  it('rejects broken JSON', async () => {
    await expect(parseSettingsDocument('s.json', '{"a":')).rejects.toThrow(
      'Settings file s.json is not valid JSON',
    );
  });

  it('rejects oversized document', async () => {
    await expect(parseSettingsDocument('s.json', ' '.repeat(1_048_577))).rejects.toThrow(
      'is larger than 1048576 bytes',
    );
  });
});

describe('agent endpoint override', () => {
  const base = {
    url: 'http://127.0.0.1:4318/v1/metrics',
    protocol: 'http/protobuf' as const,
    headers: { authorization: 'x' },
    timeoutMillis: 1_000,
  };

  it('keeps base when unset', () => {
    const override = createAgentEndpointOverride();
    expect(override.exportTarget('metrics', base)).toBe(base);
  });

  it('maps HTTP and gRPC endpoints', () => {
    const override = createAgentEndpointOverride();
    override.set('http://127.0.0.1:43180');
    expect(override.exportTarget('logs', base)).toEqual({
      ...base,
      url: 'http://127.0.0.1:43180/v1/logs',
    });
    override.set('127.0.0.1:43170');
    expect(override.exportTarget('logs', base)).toEqual({
      ...base,
      url: '127.0.0.1:43170',
      protocol: 'grpc',
      insecure: true,
    });
    override.set(null);
    expect(override.endpoint).toBeUndefined();
  });
});

/** Lays out a directory as the kubelet does for a ConfigMap volume: `..data` links a timestamped dir. */
async function configMapDir() {
  const dir = await mkdtemp(join(tmpdir(), 'reconfigure-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  let generation = 0;

  const publish = async (content: string) => {
    generation++;
    const versioned = join(dir, `..2026_${generation}`);
    await mkdir(versioned);
    await writeFile(join(versioned, 'telemetry.yaml'), content);
    const link = join(dir, `..data_tmp${generation}`);
    await symlink(`..2026_${generation}`, link);
    // The atomic rename of the link is the update the watcher has to see.
    await rename(link, join(dir, '..data'));
  };
  return { dir, publish };
}

async function waitFor(check: () => boolean, timeoutMillis = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('watchSettingsFile', () => {
  it('follows ConfigMap updates', async () => {
    const { dir, publish } = await configMapDir();
    await publish('metricExportIntervalMillis: 5000\n');
    await symlink('..data/telemetry.yaml', join(dir, 'telemetry.yaml'));

    const applied: ReconfigurableSettings[] = [];
    const watcher = watchSettingsFile({
      path: join(dir, 'telemetry.yaml'),
      apply: (settings) => applied.push(settings),
      debounceMillis: 20,
      recheckIntervalMillis: 0,
    });
    cleanups.push(() => watcher.close());

    await waitFor(() => applied.length === 1);
    expect(applied[0]).toEqual({ metricExportIntervalMillis: 5_000 });

    // A bad update is rejected as a whole; nothing is applied.
    await publish('metricExportIntervalMillis: 2000\ntracesSamplerRatio: 7\n');
    await waitFor(() => watcher.status().rejected === 1);
    expect(applied.length).toBe(1);
    expect(watcher.status().lastError).toBe(
      'Invalid setting tracesSamplerRatio: 7; expected a number from 0 to 1.',
    );

    await publish('metricExportIntervalMillis: 2000\ntracesSamplerRatio: 0.5\n');
    await waitFor(() => applied.length === 2);
    expect(applied[1]).toEqual({ metricExportIntervalMillis: 2_000, tracesSamplerRatio: 0.5 });
    expect(watcher.status().applied).toBe(2);
    expect(watcher.status().lastOutcome).toBe('applied');
  });

  it('re-reads periodically without events', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reconfigure-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'settings.json');

    const applied: ReconfigurableSettings[] = [];
    const watcher = watchSettingsFile({
      path,
      apply: (settings) => applied.push(settings),
      recheckIntervalMillis: 50,
    });
    cleanups.push(() => watcher.close());

    await waitFor(() => watcher.status().lastOutcome === 'missing');
    expect(watcher.status().lastError).toBe(`settings file ${path}: not found`);

    await writeFile(path, '{"logMinSeverity":"debug"}');
    await waitFor(() => applied.length === 1);
    expect(applied[0]).toEqual({ logMinSeverity: 'debug' });
  });

  it('apply error rejects document', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reconfigure-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'settings.json');
    await writeFile(path, '{"tracesSamplerRatio":0.1}');

    const watcher: SettingsFileWatcher = watchSettingsFile({
      path,
      apply: () => {
        throw new Error('traces are off.');
      },
      recheckIntervalMillis: 0,
    });
    cleanups.push(() => watcher.close());

    expect(await watcher.check()).toBe('rejected');
    expect(watcher.status().rejected).toBe(1);
    expect(await watcher.check()).toBe('unchanged');
    watcher.close();
    expect(await watcher.check()).toBe('closed');
  });

  it('close stops applying', async () => {
    const { dir, publish } = await configMapDir();
    await publish('logMinSeverity: warn\n');
    await symlink('..data/telemetry.yaml', join(dir, 'telemetry.yaml'));

    const applied: ReconfigurableSettings[] = [];
    const watcher = watchSettingsFile({
      path: join(dir, 'telemetry.yaml'),
      apply: (settings) => applied.push(settings),
      debounceMillis: 10,
      recheckIntervalMillis: 20,
    });
    await waitFor(() => applied.length === 1);

    watcher.close();
    await publish('logMinSeverity: error\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(applied).toEqual([{ logMinSeverity: 'warn' }]);
    expect(watcher.status().applied).toBe(1);
  });

  it('rejects invalid options', () => {
    expect(() => watchSettingsFile({ path: '', apply: () => {} })).toThrow(
      'watchSettingsFile: invalid path ""; expected a file path',
    );
    expect(() =>
      watchSettingsFile({ path: '/tmp/x.yaml', apply: () => {}, debounceMillis: -1 }),
    ).toThrow('watchSettingsFile: invalid debounceMillis -1');
  });
});
