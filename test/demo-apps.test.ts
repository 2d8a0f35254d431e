// Logic of the example apps (model, batcher, HTTP routes, agent policy, load options),
// without Collector or Prometheus.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNoopMeter, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatcherRejectedError, createBatcher } from '../examples/inference-service/src/batcher.js';
import {
  loadDataset,
  parseDataset,
  splitDataset,
} from '../examples/inference-service/src/dataset.js';
import {
  type Model,
  type Prediction,
  trainModel,
} from '../examples/inference-service/src/model.js';
import { createInferenceServer } from '../examples/inference-service/src/server.js';
import { createServiceTelemetry } from '../examples/inference-service/src/service-telemetry.js';
import { parseLoadOptions, rateFactor } from '../examples/load-generator/src/options.js';
import { createAgent } from '../examples/ml-agent/src/agent.js';
import type { ControlClient, ControlState } from '../examples/ml-agent/src/control-client.js';
import { quantileBetween, ratePerSecond } from '../examples/ml-agent/src/histogram-window.js';
import { DEFAULT_POLICY, decide, type Observation } from '../examples/ml-agent/src/policy.js';

const ROOT = join(import.meta.dirname, '..');

describe('inference model', () => {
  it('regenerates the committed dataset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-dataset-'));
    try {
      const target = join(dir, 'link-quality.csv');
      const result = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'examples/inference-service/scripts/generate-dataset.ts', target],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect(result.status).toBe(0);

      const committed = readFileSync(
        join(ROOT, 'examples/inference-service/data/link-quality.csv'),
      );
      expect(readFileSync(target).equals(committed)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('trains deterministically', () => {
    const { train, test } = splitDataset(loadDataset());
    expect(train.rows.length).toBe(480);
    expect(test.rows.length).toBe(120);

    const first = trainModel(train, test);
    const second = trainModel(train, test);
    expect(first.version).toBe(second.version);
    expect(first.version).toMatch(/^softmax-regression@[0-9a-f]{12}$/);
    expect(first.testAccuracy).toBe(110 / 120);
    expect(first.trainAccuracy).toBe(446 / 480);
  });

  it('classifies clear cases', () => {
    const { train, test } = splitDataset(loadDataset());
    const model = trainModel(train, test);

    expect(model.predict([-48, 0.2, 20, 2]).label).toBe('good');
    expect(model.predict([-92, 11, 260, 38]).label).toBe('poor');
    const total = Object.values(model.predict([-70, 3, 120, 15]).probabilities).reduce(
      (sum, p) => sum + p,
      0,
    );
    expect(total).toBeCloseTo(1, 12);
  });

  it('rejects a malformed dataset row', () => {
    const csv = 'rssi_dbm,packet_loss_pct,rtt_ms,jitter_ms,label\n-50,1,20,x,good\n';
    expect(() => parseDataset(csv)).toThrow('invalid dataset row at line 2');
    const badLabel = 'rssi_dbm,packet_loss_pct,rtt_ms,jitter_ms,label\n-50,1,20,3,great\n';
    expect(() => parseDataset(badLabel)).toThrow('invalid label at line 2: "great"');
  });
});

describe('batcher', () => {
  const identity = (sizes: number[]) =>
    createBatcher<number, number>({
      batchSize: 4,
      workers: 1,
      maxWaitMillis: 20,
      maxQueueLength: 100,
      dispatchMillis: 0,
      perItemMillis: 0,
      process: (inputs) => inputs.map((x) => x * 10),
      onBatch: (size) => sizes.push(size),
    });

  it('fills batches up to the size', async () => {
    const sizes: number[] = [];
    const batcher = identity(sizes);

    const outputs = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((x) => batcher.submit(x)));
    expect(outputs).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
    expect(sizes).toEqual([4, 4]);
    await batcher.close();
  });

  it('flushes a partial batch after the wait', async () => {
    const sizes: number[] = [];
    const batcher = identity(sizes);

    const started = performance.now();
    expect(await batcher.submit(3)).toBe(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect(sizes).toEqual([1]);
    await batcher.close();
  });

  it('applies a new batch size', async () => {
    const sizes: number[] = [];
    const batcher = identity(sizes);

    expect(batcher.configure({ batchSize: 2 })).toEqual({ batchSize: 2, workers: 1 });
    await Promise.all([1, 2, 3, 4].map((x) => batcher.submit(x)));
    expect(sizes).toEqual([2, 2]);
    await batcher.close();
  });

  it('rejects when the queue is full', async () => {
    const queueChanges: number[] = [];
    const batcher = createBatcher<number, number>({
      batchSize: 1,
      workers: 1,
      maxWaitMillis: 0,
      maxQueueLength: 2,
      dispatchMillis: 50,
      perItemMillis: 0,
      process: (inputs) => inputs,
      onQueueChange: (delta) => queueChanges.push(delta),
    });

    // The first request is taken by the worker at once; two more fill the queue.
    const accepted = [batcher.submit(1), batcher.submit(2), batcher.submit(3)];
    expect(batcher.queueDepth()).toBe(2);
    await expect(batcher.submit(4)).rejects.toMatchObject({ reason: 'queue_full' });

    expect(await Promise.all(accepted)).toEqual([1, 2, 3]);
    expect(queueChanges.reduce((sum, d) => sum + d, 0)).toBe(0);
    await batcher.close();
  });

  it('rejects queued requests on close', async () => {
    const batcher = createBatcher<number, number>({
      batchSize: 1,
      workers: 1,
      maxWaitMillis: 0,
      maxQueueLength: 10,
      dispatchMillis: 30,
      perItemMillis: 0,
      process: (inputs) => inputs,
    });

    const running = batcher.submit(1);
    const queued = batcher.submit(2);
    const closing = batcher.close();

    expect(await running).toBe(1);
    const error = await queued.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatcherRejectedError);
    expect((error as BatcherRejectedError).reason).toBe('shutting_down');
    await closing;
    await expect(batcher.submit(3)).rejects.toMatchObject({ reason: 'shutting_down' });
  });
});

describe('inference HTTP routes', () => {
  let url: string;
  let close: () => Promise<void>;
  let model: Model;
  const logs: string[] = [];
  let counters: () => { inferenceRequests: number; requestsByStatus: Record<string, number> };

  beforeAll(async () => {
    const { train, test } = splitDataset(loadDataset());
    model = trainModel(train, test);
    const batcher = createBatcher<number[], Prediction>({
      batchSize: 4,
      workers: 1,
      maxWaitMillis: 1,
      maxQueueLength: 100,
      dispatchMillis: 0,
      perItemMillis: 0,
      process: (inputs) => inputs.map((vector) => model.predict(vector)),
    });
    const noopRecorder = { record: () => {}, add: () => {}, bind: () => noopRecorder };
    const telemetry = createServiceTelemetry({
      meter: createNoopMeter(),
      tracer: trace.getTracer('demo-apps-test'),
      logger: {
        info: (message) => logs.push(`INFO ${message}`),
        warn: (message) => logs.push(`WARN ${message}`),
        error: (message) => logs.push(`ERROR ${message}`),
      },
      requestMetrics: {
        duration: noopRecorder as never,
        requests: noopRecorder as never,
      },
      model,
      batcher,
    });
    counters = () => telemetry.counters();

    const server = createInferenceServer({ model, batcher, telemetry });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = async () => {
      await new Promise((resolve) => server.close(resolve));
      await batcher.close();
    };
  });

  afterAll(async () => {
    await close();
  });

  const post = (path: string, body: string) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

  it('predicts a label', async () => {
    const response = await post(
      '/predict',
      JSON.stringify({ rssiDbm: -48, packetLossPct: 0.2, rttMs: 20, jitterMs: 2 }),
    );
    expect(response.status).toBe(200);

    const body = (await response.json()) as { label: string; modelVersion: string };
    expect(body.label).toBe('good');
    expect(body.modelVersion).toBe(model.version);
  });

  it('rejects invalid predict bodies', async () => {
    const missing = await post(
      '/predict',
      JSON.stringify({ rssiDbm: -48, packetLossPct: 0.2, rttMs: 20 }),
    );
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toBe(
      'invalid jitterMs: missing; expected a finite number',
    );

    const notJson = await post('/predict', '{"rssiDbm":');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: string }).error).toBe(
      'request body is not valid JSON',
    );

    const tooLarge = await post('/predict', JSON.stringify({ pad: 'x'.repeat(20_000) }));
    expect(tooLarge.status).toBe(413);
  });

  it('reads and changes settings', async () => {
    const before = await fetch(`${url}/control`);
    expect(await before.json()).toMatchObject({ batchSize: 4, workers: 1, queueDepth: 0 });

    const changed = await post('/control', JSON.stringify({ batchSize: 16, workers: 3 }));
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ batchSize: 16, workers: 3 });
    expect(logs).toContain('INFO settings changed: batchSize 4 -> 16, workers 1 -> 3');

    const invalid = await post('/control', JSON.stringify({ workers: 33 }));
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: string }).error).toBe(
      'invalid workers: 33; expected an integer from 1 to 32',
    );

    const empty = await post('/control', '{}');
    expect(empty.status).toBe(400);
  });

  it('answers unknown routes and methods', async () => {
    expect((await fetch(`${url}/nothing`)).status).toBe(404);
    expect((await fetch(`${url}/predict`)).status).toBe(405);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
  });

  it('counts predict requests only', () => {
    const snapshot = counters();
    // Four POST requests and one GET (405) reached /predict.
    expect(snapshot.inferenceRequests).toBe(5);
    expect(snapshot.requestsByStatus['413']).toBe(1);
  });
});

describe('agent policy', () => {
  const current = { batchSize: 8, workers: 2 };
  const observe = (p95Millis?: number, rate?: number, queue?: number) => ({
    p95LatencySeconds: p95Millis === undefined ? undefined : p95Millis / 1000,
    requestRate: rate,
    queueDepth: queue,
    errorRate: 0,
  });

  it('holds without data', () => {
    const decision = decide(observe(), current);
    expect(decision.action).toBe('hold');
    expect(decision.reason).toBe('no telemetry yet');
  });

  it('doubles the batch size on a long queue', () => {
    const decision = decide(observe(90, 100, 21), current);
    expect(decision.action).toBe('scale-up');
    expect(decision.target).toEqual({ batchSize: 16, workers: 2 });
  });

  it('adds a worker at the maximum batch size', () => {
    const decision = decide(observe(90, 100, 50), {
      batchSize: DEFAULT_POLICY.maxBatchSize,
      workers: 2,
    });
    expect(decision.target).toEqual({ batchSize: 64, workers: 3 });
  });

  it('adds a worker on high latency', () => {
    const decision = decide(observe(151, 100, 0), current);
    expect(decision.action).toBe('scale-up');
    expect(decision.target).toEqual({ batchSize: 8, workers: 3 });
    expect(decision.reason).toBe(
      'p95 above the 150 ms target (p95 151.0 ms, rate 100.0 req/s, queue 0): workers 2 -> 3',
    );
  });

  it('scales down when idle', () => {
    expect(decide(observe(20, 5, 0), current).target).toEqual({ batchSize: 8, workers: 1 });
    expect(decide(observe(20, 5, 0), { batchSize: 8, workers: 1 }).target).toEqual({
      batchSize: 4,
      workers: 1,
    });
    expect(decide(observe(20, 5, 0), { batchSize: 4, workers: 1 }).action).toBe('hold');
  });

  it('holds at the limits', () => {
    const decision = decide(observe(500, 100, 0), { batchSize: 64, workers: 8 });
    expect(decision.action).toBe('hold');
    expect(decision.target).toEqual({ batchSize: 64, workers: 8 });
  });
});

describe('agent histogram window', () => {
  const snapshot = (counts: number[], atMillis: number) => ({
    buckets: [0.1, 0.2, 0.4, Number.POSITIVE_INFINITY].map((le, i) => ({ le, count: counts[i]! })),
    count: counts[3]!,
    atMillis,
  });

  it('interpolates the quantile', () => {
    // Between the snapshots: 50 in (0, 0.1], 30 in (0.1, 0.2], 20 in (0.2, 0.4].
    const earlier = snapshot([10, 10, 10, 10], 0);
    const later = snapshot([60, 90, 110, 110], 10_000);
    expect(quantileBetween(earlier, later, 0.5)).toBeCloseTo(0.1, 12);
    expect(quantileBetween(earlier, later, 0.95)).toBeCloseTo(0.35, 12);
  });

  it('returns undefined after a reset', () => {
    expect(quantileBetween(snapshot([5, 5, 5, 5], 0), snapshot([1, 1, 1, 1], 1000), 0.5)).toBe(
      undefined,
    );
    expect(ratePerSecond({ value: 10, atMillis: 0 }, { value: 4, atMillis: 1000 })).toBe(undefined);
    expect(ratePerSecond({ value: 10, atMillis: 0 }, { value: 40, atMillis: 2000 })).toBe(15);
  });
});

describe('load generator options', () => {
  it('validates the options', () => {
    expect(() => parseLoadOptions(['--url', 'http://127.0.0.1:1', '--rate', '0'])).toThrow(
      'invalid --rate: "0"; expected a number from 0.1 to 2000',
    );
    expect(() => parseLoadOptions(['--url', 'ftp://127.0.0.1/'])).toThrow(
      'invalid --url: "ftp://127.0.0.1/"; expected an http or https URL',
    );
    expect(() => parseLoadOptions([])).toThrow('missing --url');

    const options = parseLoadOptions([
      '--url',
      'http://127.0.0.1:1',
      '--rate',
      '10',
      '--duration',
      '3',
    ]);
    expect(options).not.toBe('help');
    if (options !== 'help') expect(options.maxRequests).toBe(30);
  });

  it('steps the rate by quarter', () => {
    expect([0, 0.24, 0.25, 0.74, 0.75, 0.99].map((f) => rateFactor('step', f))).toEqual([
      0.2, 0.2, 1, 1, 0.2, 0.2,
    ]);
    expect(rateFactor('steady', 0.1)).toBe(1);
  });
});

describe('agent iterations', () => {
  /** Builds an agent on a scripted observation list and an in-memory control endpoint. */
  const setup = (observations: Observation[], cooldownMillis: number) => {
    const state: ControlState = {
      batchSize: 4,
      workers: 1,
      queueDepth: 0,
      busyWorkers: 0,
      modelVersion: 'test',
    };
    const applied: { batchSize: number; workers: number }[] = [];
    const errors: string[] = [];
    const control: ControlClient = {
      read: async () => ({ ...state }),
      apply: async (settings) => {
        applied.push(settings);
        Object.assign(state, settings);
        return { ...state };
      },
    };
    let next = 0;
    const agent = createAgent({
      agentName: 'test-agent',
      source: {
        description: 'scripted',
        read: async () => {
          const observation = observations[next++];
          if (observation === undefined) throw new Error('no more observations');
          return observation;
        },
      },
      control,
      policy: DEFAULT_POLICY,
      tracer: trace.getTracer('demo-apps-test'),
      meter: createNoopMeter(),
      logger: {
        info: () => {},
        warn: () => {},
        error: (message: string) => errors.push(message),
        debug: () => {},
        isEnabled: () => true,
        child: () => {
          throw new Error('not used');
        },
      },
      cooldownMillis,
    });
    return { agent, applied, errors };
  };
  const slow = { p95LatencySeconds: 0.4, requestRate: 100, queueDepth: 0, errorRate: 0 };
  const queued = { p95LatencySeconds: 0.4, requestRate: 100, queueDepth: 50, errorRate: 0 };

  it('holds during the cooldown', async () => {
    const { agent, applied } = setup([slow, slow], 60_000);

    const first = await agent.runIteration();
    expect(first.decision.action).toBe('scale-up');
    expect(first.applied).toBe(true);

    const second = await agent.runIteration();
    expect(second.decision.action).toBe('hold');
    expect(second.decision.reason).toMatch(/^cooldown: the last change needs \d+\.\d s more/);
    expect(applied).toEqual([{ batchSize: 4, workers: 2 }]);
  });

  it('acts on a long queue at once', async () => {
    const { agent, applied } = setup([slow, queued], 60_000);

    await agent.runIteration();
    const second = await agent.runIteration();
    expect(second.decision.action).toBe('scale-up');
    expect(applied).toEqual([
      { batchSize: 4, workers: 2 },
      { batchSize: 8, workers: 2 },
    ]);
  });

  it('reports a failed observation', async () => {
    const { agent, applied, errors } = setup([], 0);

    const record = await agent.runIteration();
    expect(record.error).toBe('no more observations');
    expect(record.applied).toBe(false);
    expect(applied).toEqual([]);
    expect(errors).toEqual(['iteration 1 failed: no more observations']);
  });
});
