#!/usr/bin/env node
// Entry of the ML agent: every AGENT_INTERVAL_MILLIS it observes the inference service's
// telemetry, decides and acts through its control endpoint, printing each iteration as one
// JSON line, until SIGTERM, SIGINT or AGENT_MAX_ITERATIONS.
import { setTimeout as sleep } from 'node:timers/promises';
import { startTelemetry } from '@mlsysops/telemetry';
import { createLocalReader, createPromQLClient } from '@mlsysops/telemetry-query';
import { createAgent } from './agent.js';
import { readAgentConfig } from './config.js';
import { createControlClient } from './control-client.js';
import { createPromQLSource } from './promql-source.js';
import type { TelemetrySource } from './telemetry-source.js';
import { createTextSource } from './text-source.js';

const CONTROL_TIMEOUT_MILLIS = 5000;

const config = readAgentConfig(process.env, (message) => console.warn(`ml-agent: ${message}`));

const telemetry = startTelemetry({
  serviceName: process.env.OTEL_SERVICE_NAME ?? 'ml-agent',
  componentName: 'ml-agent',
  // The agent finishes its current iteration before telemetry stops.
  handleSignals: false,
});
const logger = telemetry.logger;

let source: TelemetrySource;
if (config.source === 'promql') {
  source = createPromQLSource(
    createPromQLClient(),
    config.promqlSelector,
    `${config.windowSeconds}s`,
    (query, error) =>
      logger.warn(`PromQL query failed: ${query}`, { 'db.query.text': query }, error),
  );
} else {
  const reader = createLocalReader(
    config.metricsEndpoint === undefined ? {} : { endpoint: config.metricsEndpoint },
  );
  source = createTextSource(reader, config.serviceName, config.windowSeconds * 1000);
}

const agent = createAgent({
  agentName: 'ml-agent',
  source,
  control: createControlClient(config.serviceUrl, CONTROL_TIMEOUT_MILLIS),
  policy: config.policy,
  tracer: telemetry.tracer,
  meter: telemetry.meter,
  logger,
  cooldownMillis: config.cooldownSeconds * 1000,
});

const stopController = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => stopController.abort());
}

logger.info(`ml-agent started; reading ${source.description}, acting on ${config.serviceUrl.href}`);
console.log(
  JSON.stringify({
    event: 'started',
    source: source.description,
    serviceUrl: config.serviceUrl.href,
  }),
);

const totals: Record<string, number> = { 'scale-up': 0, 'scale-down': 0, hold: 0, failed: 0 };
let iterations = 0;

while (!stopController.signal.aborted) {
  const record = await agent.runIteration();
  iterations++;
  if (record.error !== undefined) totals.failed!++;
  else totals[record.decision.action]!++;
  console.log(JSON.stringify({ event: 'iteration', ...record }));

  if (config.maxIterations > 0 && iterations >= config.maxIterations) break;
  await sleep(config.intervalMillis, undefined, { signal: stopController.signal }).catch(() => {});
}

// The timer keeps the event loop alive while the flush waits on unreferenced timers.
const keepAlive = setTimeout(() => {}, 60_000);
const flush = await telemetry.shutdown();
clearTimeout(keepAlive);
console.log(
  JSON.stringify({ event: 'stopped', iterations, totals, telemetry: telemetry.status(), flush }),
);
