// Restarts inside the three-level pipeline while an application keeps recording, with
// @mlsysops/telemetry as the application's SDK:
//   - the node agent goes away for 2 s and comes back on the same ports, as when MLSysOps
//     reconfigures it: the SDK's store-and-forward buffer keeps what the agent missed;
//   - the cluster gateway goes away for 3 s: the node agent's sending queue keeps and
//     retries what it could not forward;
//   - the same outage with a node agent queue too small for it: the receiver rejects, and
//     the SDK keeps and resends.
// In every case the continuum must end with every count and every log record.
import { startTelemetry, type Telemetry } from '@mlsysops/telemetry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CLUSTER_NAME,
  type Levels,
  NODE_NAME,
  readLevelConfig,
  restartWithGap,
  startLevels,
  withoutOrchestratorPipeline,
} from './levels-harness.js';
import { readLogRecords, waitForRecords } from './support/otlp-files.js';
import { type PrometheusHandle, startPrometheus } from './support/prometheus.js';

// Above what one test records (3000 log records at most), so the SDK may drop nothing.
const BUFFER_MAX_ITEMS = 10_000;

let prometheus: PrometheusHandle;
let levels: Levels;
let telemetry: Telemetry | undefined;

beforeEach(async () => {
  prometheus = await startPrometheus();
});

afterEach(async () => {
  await telemetry?.shutdown(2_000);
  telemetry = undefined;
  await levels?.stop();
  await prometheus?.stop();
});

function startApp(serviceName: string): Telemetry {
  telemetry = startTelemetry({
    env: {},
    serviceName,
    serviceInstanceId: `${serviceName}-0`,
    podName: `${serviceName}-pod`,
    layer: 'node',
    otlp: { endpoint: levels.node.handle.endpoints.otlpHttp },
    metricExportIntervalMillis: 200,
    batchLogRecordProcessor: { scheduledDelayMillis: 100 },
    buffer: { metrics: { maxItems: BUFFER_MAX_ITEMS }, logs: { maxItems: BUFFER_MAX_ITEMS } },
    handleSignals: false,
    registerGlobal: false,
  });
  return telemetry;
}

/** Records one count every 20 ms and one log record every 5th count until `stop()`. */
function recordContinuously(app: Telemetry, metricName: string, logPrefix: string) {
  const counter = app.meter.createCounter(metricName);
  let count = 0;
  let logs = 0;
  const timer = setInterval(() => {
    counter.add(1);
    count += 1;
    if (count % 5 === 0) {
      app.logger.info(`${logPrefix} ${logs}`);
      logs += 1;
    }
  }, 20);

  return {
    stop(): { count: number; logs: number } {
      clearInterval(timer);
      return { count, logs };
    },
  };
}

async function waitForLogBodies(prefix: string, total: number): Promise<string[]> {
  const records = await waitForRecords(
    readLogRecords,
    levels.logsFile,
    (all) =>
      new Set(all.map((record) => record.body).filter((body) => String(body).startsWith(prefix)))
        .size === total,
    { timeoutMillis: 60_000 },
  );
  return records.map((record) => String(record.body)).filter((body) => body.startsWith(prefix));
}

function expectedBodies(prefix: string, total: number): string[] {
  return Array.from({ length: total }, (_unused, index) => `${prefix} ${index}`);
}

describe('restarts', () => {
  it('node agent restart loses nothing', async () => {
    levels = await startLevels({ prometheus });
    const app = startApp('e2e-restart-node');
    const recorder = recordContinuously(app, 'e2e.node_restart.events', 'node-restart');
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    levels.node = await restartWithGap(
      levels.node,
      readLevelConfig('node-agent'),
      ['prometheus'],
      2_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const recorded = recorder.stop();
    await app.forceFlush(10_000);

    const samples = await prometheus.waitFor(
      'e2e_node_restart_events_total',
      (result) => result[0]?.value === recorded.count,
      60_000,
    );
    expect(samples).toHaveLength(1);
    expect(samples[0]?.value).toBe(recorded.count);
    expect(samples[0]?.labels.k8s_node_name).toBe(NODE_NAME);
    expect(samples[0]?.labels.k8s_cluster_name).toBe(CLUSTER_NAME);

    const bodies = await waitForLogBodies('node-restart', recorded.logs);
    expect(new Set(bodies)).toEqual(new Set(expectedBodies('node-restart', recorded.logs)));

    // The outage was seen by the SDK (it had to retry) and nothing was dropped.
    const status = app.status();
    expect(status.signals.logs.retried + status.signals.metrics.retried).toBeGreaterThan(0);
    expect(status.signals.logs.dropped).toBe(0);
    expect(status.signals.metrics.dropped).toBe(0);
    expect(status.signals.logs.buffered).toBe(0);
  });

  it('gateway restart loses nothing', async () => {
    levels = await startLevels({ prometheus });
    const app = startApp('e2e-restart-gateway');
    const recorder = recordContinuously(app, 'e2e.gateway_restart.events', 'gateway-restart');
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const clusterText = withoutOrchestratorPipeline(readLevelConfig('cluster-gateway')).text;
    levels.cluster = await restartWithGap(levels.cluster, clusterText, [], 3_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const recorded = recorder.stop();
    await app.forceFlush(10_000);

    const samples = await prometheus.waitFor(
      'e2e_gateway_restart_events_total',
      (result) => result[0]?.value === recorded.count,
      60_000,
    );
    expect(samples[0]?.value).toBe(recorded.count);

    const bodies = await waitForLogBodies('gateway-restart', recorded.logs);
    expect(new Set(bodies)).toEqual(new Set(expectedBodies('gateway-restart', recorded.logs)));

    // The node agent's queue held the data: it logged retries during the outage, while the
    // SDK saw no failure because the agent kept accepting.
    expect(levels.node.handle.log()).toContain(
      'Exporting failed. Will retry the request after interval.',
    );
    const status = app.status();
    expect(status.signals.logs.dropped).toBe(0);
    expect(status.signals.metrics.dropped).toBe(0);
  });

  it('full agent queue pushes back', async () => {
    // The queue's smallest allowed size is the exporter's batch min_size (2048 items). While
    // the gateway is down for 3 s the application logs 3000 records, so the queue fills, the
    // receiver rejects new data, and the SDK keeps and resends it.
    levels = await startLevels({ prometheus, nodeEnv: { NODE_AGENT_QUEUE_ITEMS: '2048' } });
    const app = startApp('e2e-queue-full');

    const clusterText = withoutOrchestratorPipeline(readLevelConfig('cluster-gateway')).text;
    const restarting = restartWithGap(levels.cluster, clusterText, [], 3_000);
    for (let burst = 0; burst < 30; burst += 1) {
      for (let index = 0; index < 100; index += 1)
        app.logger.info(`queue-full ${burst * 100 + index}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    levels.cluster = await restarting;
    await app.forceFlush(30_000);

    const bodies = await waitForLogBodies('queue-full', 3000);
    expect(new Set(bodies)).toEqual(new Set(expectedBodies('queue-full', 3000)));

    const status = app.status();
    expect(status.signals.logs.retried).toBeGreaterThan(0);
    expect(status.signals.logs.dropped).toBe(0);
    expect(status.signals.logs.buffered).toBe(0);
  });
});
