#!/usr/bin/env node
// `pnpm demo`: runs the example inference service, the ML agent and the load generator for a
// bounded time and prints what the telemetry showed.
//
// Full mode: Prometheus (standing in for Mimir) and the three reference Collector configs of
// examples/collector/ (node agent -> cluster gateway -> continuum gateway) on free loopback
// ports, started through the end-to-end test helpers. The agent reads PromQL.
// Embedded mode (--embedded, or when Prometheus or the Collector is missing): no Collector;
// the service serves its own Prometheus endpoint and the agent reads it.
//
// Every process the demo starts is stopped at the end, on Ctrl-C and on SIGTERM. Nothing
// listens or connects outside 127.0.0.1.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');

const USAGE = `Usage: pnpm demo [--duration SECONDS] [--rate N] [--no-build] [--embedded]

Runs the example inference service, ML agent and load generator, then prints a summary.

  --duration SECONDS  load duration in seconds, 5 to 3600 (default 60)
  --rate N            peak request rate of the load generator, 1 to 1000 (default 150)
  --no-build          do not build the Collector when it is missing; run embedded instead
  --embedded          skip Prometheus and the Collector; the agent reads the service's own
                      Prometheus endpoint
  --help              show this text`;

/** Environment variables that could point a child at a non-loopback address. The demo removes them. */
const INHERITED_ADDRESS_VARIABLES = [
  'NODE_IP',
  'NODE_HOSTNAME',
  'K8S_NODE_NAME',
  'OTEL_NODE_IP',
  'HOST_IP',
  'K8S_NODE_IP',
  'TELEMETRY_ENDPOINT',
  'LOCAL_OTEL_ENDPOINT',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'MLSYSOPS_QUERY_URL',
  'MLSYSOPS_DISCOVERY_SERVICE_HOST',
  'SERVICE_URL',
  'AGENT_METRICS_URL',
];

const SERVICE_NAME = 'inference-service';
const AGENT_NAME = 'ml-agent';

// --- command line -------------------------------------------------------------------------

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      rate: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      embedded: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });

  const number = (name, raw, fallback, min, max) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new Error(`invalid --${name}: "${raw}"; expected a number from ${min} to ${max}`);
    }
    return value;
  };

  return {
    help: values.help,
    durationSeconds: number('duration', values.duration, 60, 5, 3600),
    rate: number('rate', values.rate, 150, 1, 1000),
    build: !values['no-build'],
    embedded: values.embedded,
  };
}

// --- child processes ----------------------------------------------------------------------

const children = new Set();

/**
 * Starts a TypeScript entry through tsx, with stdout and stderr copied to `<outDir>/<name>.log`.
 * Every stdout line that is a JSON object with an `event` field is kept in `events`.
 */
function startApp(name, entry, args, env, outDir) {
  const logPath = join(outDir, `${name}.log`);
  const log = createWriteStream(logPath);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=mlsysops-source', join(ROOT, entry), ...args],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const app = { name, child, logPath, events: [], exited: false, listeners: new Set() };

  children.add(app);
  child.stderr.pipe(log, { end: false });
  createInterface({ input: child.stdout }).on('line', (line) => {
    log.write(`${line}\n`);
    if (!line.startsWith('{')) return;
    try {
      const event = JSON.parse(line);
      app.events.push(event);
      for (const listener of app.listeners) listener(event);
    } catch {
      // A line that only looks like JSON is kept in the log file.
    }
  });
  child.on('exit', () => {
    app.exited = true;
    children.delete(app);
    for (const listener of app.listeners) listener(undefined);
  });
  child.on('error', (error) => log.write(`spawn failed: ${error.message}\n`));
  return app;
}

/** Resolves with the first event named `name`, or rejects on exit or after `timeoutMillis`. */
function waitForEvent(app, name, timeoutMillis) {
  const found = app.events.find((event) => event.event === name);
  if (found) return Promise.resolve(found);

  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      app.listeners.delete(listener);
      reject(
        new Error(
          `${app.name} sent no "${name}" event within ${timeoutMillis} ms; see ${app.logPath}`,
        ),
      );
    }, timeoutMillis);
    const listener = (event) => {
      if (event !== undefined && event.event !== name) return;
      clearTimeout(timer);
      app.listeners.delete(listener);
      if (event === undefined)
        reject(new Error(`${app.name} exited before "${name}"; see ${app.logPath}`));
      else resolvePromise(event);
    };
    app.listeners.add(listener);
  });
}

/**
 * Sends SIGTERM (once per app), then SIGKILL after `timeoutMillis`; resolves when the process
 * has exited.
 */
async function stopApp(app, timeoutMillis = 15_000) {
  if (app.exited) return;
  const exited = new Promise((resolvePromise) => app.child.once('exit', resolvePromise));
  if (!app.terminated) {
    app.terminated = true;
    app.child.kill('SIGTERM');
  }
  const timer = setTimeout(() => app.child.kill('SIGKILL'), timeoutMillis);
  await exited;
  clearTimeout(timer);
}

/** Returns a loopback port that was free a moment ago, by binding port 0. */
function freeLoopbackPort() {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

const sleep = (millis) => new Promise((resolvePromise) => setTimeout(resolvePromise, millis));

function sanitizedEnv() {
  const env = { ...process.env };
  for (const name of INHERITED_ADDRESS_VARIABLES) delete env[name];
  return env;
}

// --- mode selection -----------------------------------------------------------------------

/** Returns `{ mode: 'full' }` or `{ mode: 'embedded', reason, howTo }`. */
async function chooseMode(options) {
  if (options.embedded) {
    return {
      mode: 'embedded',
      reason: '--embedded was given',
      howTo: 'run `pnpm demo` without --embedded',
    };
  }

  const prometheusBinary = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
  if (!existsSync(prometheusBinary)) {
    return {
      mode: 'embedded',
      reason: `Prometheus was not found at ${prometheusBinary}`,
      howTo: "install it with 'apt-get install prometheus' or set PROMETHEUS_BIN",
    };
  }

  // MLSYSOPS_OTELCOL_BIN names a prebuilt binary, which the Collector helpers run instead.
  const prebuilt = process.env.MLSYSOPS_OTELCOL_BIN;
  if (prebuilt && existsSync(prebuilt)) return { mode: 'full' };

  const collector = await import('../test/support/build-collector.mjs');
  if (collector.isCollectorCached()) return { mode: 'full' };

  if (!options.build) {
    return {
      mode: 'embedded',
      reason: 'the Collector is not built and --no-build was given',
      howTo: 'run `pnpm collector:build` (needs Go) or `pnpm demo` without --no-build',
    };
  }

  console.log('demo: building the Collector from test/support/collector (first run only)');
  try {
    const result = await collector.ensureCollector({ log: (line) => console.log(`  ${line}`) });
    console.log(`demo: Collector ready at ${result.path}`);
    return { mode: 'full' };
  } catch (error) {
    return {
      mode: 'embedded',
      reason: `the Collector build failed: ${error.message}`,
      howTo: 'fix the build error above, then run `pnpm collector:build`',
    };
  }
}

// --- full mode infrastructure ---------------------------------------------------------------

/** Starts Prometheus and the three Collector levels through the end-to-end test helpers. */
async function startInfrastructure() {
  const { tsImport } = await import('tsx/esm/api');
  const { startPrometheus } = await tsImport('../test/support/prometheus.ts', import.meta.url);
  const harness = await tsImport('../test/levels-harness.ts', import.meta.url);

  const prometheus = await startPrometheus({ scrapeIntervalSeconds: 1 });
  let levels;
  try {
    levels = await harness.startLevels({ prometheus, forwardInterval: '1s' });
  } catch (error) {
    await prometheus.stop();
    throw error;
  }
  return { prometheus, levels, scrapeSamples: harness.scrapeSamples };
}

/** Counts OTLP JSON-lines records: log records or spans, and those with a trace id. */
function countOtlpFile(path, kind) {
  if (!existsSync(path)) return { records: 0, withTraceId: 0, services: [] };

  let records = 0;
  let withTraceId = 0;
  const services = new Set();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const request = JSON.parse(line);
    const resources = kind === 'logs' ? request.resourceLogs : request.resourceSpans;

    for (const resource of resources ?? []) {
      const name = resource.resource?.attributes?.find((a) => a.key === 'service.name');
      if (name?.value?.stringValue) services.add(name.value.stringValue);
      for (const scope of (kind === 'logs' ? resource.scopeLogs : resource.scopeSpans) ?? []) {
        for (const item of (kind === 'logs' ? scope.logRecords : scope.spans) ?? []) {
          records++;
          if (item.traceId) withTraceId++;
        }
      }
    }
  }
  return { records, withTraceId, services: [...services].sort() };
}

/** Runs the PromQL queries of the summary; a query without data returns an empty list. */
async function queryPrometheus(prometheus, durationSeconds) {
  const range = `${Math.ceil(durationSeconds) + 60}s`;
  const job = `job="${SERVICE_NAME}"`;
  const queries = {
    requests: `sum(mlsysops_inference_requests_total{${job}})`,
    errors: `sum(mlsysops_inference_errors_total{${job}})`,
    p95Seconds: `histogram_quantile(0.95, sum by (le) (increase(mlsysops_inference_duration_seconds_bucket{${job}}[${range}])))`,
    decisions: `sum by (mlsysops_agent_decision) (mlsysops_agent_decisions_total{job="${AGENT_NAME}"})`,
    origin: `count by (mlsysops_layer, k8s_node_name, k8s_cluster_name) (mlsysops_inference_requests_total{${job}})`,
  };

  const results = {};
  for (const [key, promql] of Object.entries(queries)) {
    try {
      results[key] = { promql, samples: await prometheus.query(promql) };
    } catch (error) {
      results[key] = { promql, samples: [], error: error.message };
    }
  }
  return results;
}

// --- summary ------------------------------------------------------------------------------

const fmt = (value, digits = 0) =>
  value === undefined || Number.isNaN(value) ? 'no data' : Number(value).toFixed(digits);

function printSummary(report) {
  const { mode, service, load, agent, promql, nodeLevel, files, outDir } = report;
  const lines = ['', '================ demo summary ================'];

  lines.push(`mode: ${mode.mode}${mode.mode === 'embedded' ? ` (${mode.reason})` : ''}`);

  const counters = service?.counters;
  if (counters) {
    const byStatus = Object.entries(counters.requestsByStatus).map(([s, n]) => `${s}: ${n}`);
    const byLabel = Object.entries(counters.predictionsByLabel).map(([l, n]) => `${l} ${n}`);
    lines.push('', 'recorded by the inference service');
    lines.push(`  POST /predict requests: ${counters.inferenceRequests}`);
    lines.push(
      `  HTTP responses by status, all routes (the agent's /control calls too): ${byStatus.join(', ') || 'none'}`,
    );
    lines.push(
      `  predictions by label: ${byLabel.join(', ') || 'none'}; ${counters.batches} batches`,
    );
  }
  if (load) {
    lines.push(
      `  load generator: ${load.sent} sent, ${load.succeeded} succeeded, ${load.skipped} skipped; ` +
        `p50 ${fmt(load.latencyMillis.p50, 1)} ms, p95 ${fmt(load.latencyMillis.p95, 1)} ms`,
    );
  }

  const pre = service?.preAggregation;
  if (pre) {
    lines.push('', 'pre-aggregation (mlsysops.inference.duration and mlsysops.inference.requests)');
    lines.push(
      `  ${pre.recorded} raw measurements folded into ${pre.exportedPoints} exported data points`,
    );
    const dropped = Object.values(pre.dropped).reduce((sum, n) => sum + n, 0);
    lines.push(
      `  dropped measurements: ${dropped}; overflowed into the overflow series: ${pre.overflowed}`,
    );
  }

  const status = service?.telemetry?.signals;
  if (status) {
    lines.push('', 'OTLP delivery of the service (exported / buffered / dropped)');
    for (const [signal, s] of Object.entries(status)) {
      const reach = s.reachable === false ? `, agent unreachable: ${s.lastError}` : '';
      lines.push(`  ${signal}: ${s.exported} / ${s.buffered} / ${s.dropped}${reach}`);
    }
  }

  if (promql) {
    const value = (key) => promql[key].samples[0]?.value;
    lines.push('', 'PromQL results from Prometheus (written by the continuum gateway)');
    lines.push(`  ${promql.requests.promql}  =>  ${fmt(value('requests'))}`);
    lines.push(`  ${promql.errors.promql}  =>  ${fmt(value('errors') ?? 0)}`);
    lines.push(
      `  p95 latency over the run  =>  ${fmt((value('p95Seconds') ?? Number.NaN) * 1000, 1)} ms`,
    );
    for (const sample of promql.decisions.samples) {
      lines.push(
        `  agent decisions ${sample.labels.mlsysops_agent_decision}  =>  ${fmt(sample.value)}`,
      );
    }
    for (const sample of promql.origin.samples) {
      const l = sample.labels;
      lines.push(
        `  series origin: layer ${l.mlsysops_layer}, node ${l.k8s_node_name}, cluster ${l.k8s_cluster_name}`,
      );
    }
  }
  if (nodeLevel !== undefined) {
    lines.push(
      `  node agent local endpoint: mlsysops_inference_requests_total = ${fmt(nodeLevel)}`,
    );
  }

  if (agent) {
    lines.push('', `ML agent decisions (source: ${agent.source})`);
    for (const it of agent.iterations) {
      const mark = it.error ? `failed: ${it.error}` : it.decision.action;
      const applied = it.applied
        ? ` -> batchSize ${it.decision.target.batchSize}, workers ${it.decision.target.workers}`
        : '';
      lines.push(`  #${it.iteration} ${mark}${applied}: ${it.decision.reason}`);
    }
  }

  lines.push('', 'where the logs and traces went');
  if (files) {
    lines.push(
      `  logs:   ${files.logs.records} log records (${files.logs.withTraceId} with a trace id) from ${files.logs.services.join(', ') || 'no service'} -> ${files.logsCopy}`,
    );
    lines.push(
      `  traces: ${files.traces.records} spans from ${files.traces.services.join(', ') || 'no service'} -> ${files.tracesCopy}`,
    );
    lines.push('  (continuum gateway file exporters, standing in for Loki and Tempo)');
  } else {
    lines.push('  skipped: no Collector ran, so OTLP logs and traces had no receiver; the service');
    lines.push(
      '  buffered them and reports them above. Its log records are mirrored to its log file.',
    );
    lines.push(`  to get them: ${mode.howTo}`);
  }
  lines.push(`  process logs: ${outDir}`);

  console.log(lines.join('\n'));
}

// --- run ----------------------------------------------------------------------------------

async function run(options, state) {
  const mode = await chooseMode(options);
  const outDir = mkdtempSync(join(tmpdir(), 'mlsysops-demo-'));
  state.outDir = outDir;

  if (mode.mode === 'embedded') {
    console.log(`demo: embedded mode, because ${mode.reason}.`);
    console.log(
      'demo: skipped: Prometheus, the three Collector levels, PromQL, log and trace delivery.',
    );
    console.log(`demo: to run them: ${mode.howTo}.`);
  }

  const env = sanitizedEnv();
  env.MLSYSOPS_DISCOVERY_ENABLED = 'false';
  env.OTEL_METRIC_EXPORT_INTERVAL = '2000';
  env.OTEL_BSP_SCHEDULE_DELAY = '1000';
  env.OTEL_BLRP_SCHEDULE_DELAY = '1000';

  if (mode.mode === 'full') {
    console.log(
      'demo: starting Prometheus and the continuum gateway, cluster gateway and node agent',
    );
    state.infrastructure = await startInfrastructure();
    const { levels } = state.infrastructure;
    env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${levels.node.handle.ports.otlpHttp}`;
  } else {
    // A loopback port that nothing listens on: exports fail fast and are counted. The
    // shutdown flush cannot succeed, so it gets 1 s instead of the default 5 s.
    env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${await freeLoopbackPort()}`;
    env.MLSYSOPS_SHUTDOWN_TIMEOUT_MILLIS = '1000';
    env.MLSYSOPS_LOG_CONSOLE = 'true';
  }

  console.log('demo: starting the inference service');
  const service = startApp(
    SERVICE_NAME,
    'examples/inference-service/src/main.ts',
    [],
    {
      ...env,
      OTEL_SERVICE_NAME: SERVICE_NAME,
      INFERENCE_HOST: '127.0.0.1',
      INFERENCE_PORT: '0',
      INFERENCE_PREAGGREGATION_INTERVAL_MILLIS: '2000',
      INFERENCE_METRICS_ENDPOINT: mode.mode === 'embedded' ? 'true' : 'false',
    },
    outDir,
  );
  state.apps.push(service);
  const listening = await waitForEvent(service, 'listening', 60_000);
  console.log(
    `demo: service at ${listening.url}, model ${listening.modelVersion} ` +
      `(test accuracy ${(listening.testAccuracy * 100).toFixed(1)} %)`,
  );

  // Iterations run every 1 to 5 s, so even a short run shows several decisions. PromQL's
  // rate() needs two samples in its window, and samples reach Prometheus about every 2 s, so
  // the full mode uses a window of at least 10 s. The embedded mode reads the service itself.
  const intervalMillis = Math.round(
    Math.min(5000, Math.max(1000, (options.durationSeconds * 1000) / 12)),
  );
  const minWindowSeconds = mode.mode === 'full' ? 10 : 4;
  const windowSeconds = Math.round(
    Math.min(15, Math.max(minWindowSeconds, options.durationSeconds / 5)),
  );
  const agentEnv = {
    ...env,
    OTEL_SERVICE_NAME: AGENT_NAME,
    SERVICE_URL: listening.url,
    AGENT_INTERVAL_MILLIS: String(intervalMillis),
    AGENT_WINDOW_SECONDS: String(windowSeconds),
  };
  if (mode.mode === 'full') agentEnv.MLSYSOPS_QUERY_URL = state.infrastructure.prometheus.url;
  else agentEnv.AGENT_METRICS_URL = `${listening.url}/metrics`;

  console.log(
    `demo: starting the ML agent (every ${intervalMillis} ms, ${windowSeconds} s window)`,
  );
  const agent = startApp(AGENT_NAME, 'examples/ml-agent/src/main.ts', [], agentEnv, outDir);
  state.apps.push(agent);
  const agentStarted = await waitForEvent(agent, 'started', 60_000);

  console.log(
    `demo: load for ${options.durationSeconds} s, step pattern up to ${options.rate} req/s`,
  );
  const load = startApp(
    'load-generator',
    'examples/load-generator/src/main.ts',
    [
      '--url',
      listening.url,
      '--rate',
      String(options.rate),
      '--duration',
      String(options.durationSeconds),
      '--pattern',
      'step',
      '--json',
    ],
    env,
    outDir,
  );
  state.apps.push(load);
  load.listeners.add((event) => {
    if (event?.event !== 'progress') return;
    const decisions = agent.events.filter((e) => e.event === 'iteration' && e.applied).length;
    console.log(
      `  ${fmt(event.elapsedSeconds)} s: ${event.sent} requests sent, ${event.succeeded} ok, ` +
        `target ${fmt(event.targetRate)} req/s, ${decisions} settings changes by the agent`,
    );
  });
  const loadSummary = await waitForEvent(load, 'summary', (options.durationSeconds + 60) * 1000);

  // One more agent iteration observes the end of the load.
  await sleep(intervalMillis);

  // The agent stops first, so it does not call a stopped service. Its closing line comes
  // after its telemetry flush, and the process itself may take longer to exit.
  const agentExited = stopApp(agent);
  await waitForEvent(agent, 'stopped', 30_000).catch(() => {});
  await Promise.all([agentExited, stopApp(service)]);
  const serviceStopped = service.events.find((e) => e.event === 'stopped');

  const report = {
    mode,
    outDir,
    service: serviceStopped,
    load: loadSummary,
    agent: {
      source: agentStarted.source,
      iterations: agent.events.filter((e) => e.event === 'iteration'),
    },
  };

  if (mode.mode === 'full') {
    const { prometheus, levels, scrapeSamples } = state.infrastructure;
    const expected = serviceStopped?.counters.inferenceRequests ?? 0;
    const expectedDecisions = report.agent.iterations.filter((it) => !it.error).length;

    // The last windows travel node agent -> cluster gateway -> continuum gateway -> Prometheus.
    // Both the service's request total and the agent's decision total are awaited, since the
    // agent flushes its last decision only when it stops.
    console.log('demo: waiting for the last data points to reach Prometheus');
    const total = async (promql) =>
      (await prometheus.query(promql).catch(() => [])).reduce((sum, s) => sum + s.value, 0);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const requests = await total(`sum(mlsysops_inference_requests_total{job="${SERVICE_NAME}"})`);
      const decisions = await total(`sum(mlsysops_agent_decisions_total{job="${AGENT_NAME}"})`);
      if (requests >= expected && expected > 0 && decisions >= expectedDecisions) break;
      await sleep(1000);
    }

    report.promql = await queryPrometheus(prometheus, options.durationSeconds);
    const nodeSamples = await scrapeSamples(
      levels.nodeMetricsUrl,
      'mlsysops_inference_requests_total',
    ).catch(() => []);
    report.nodeLevel = nodeSamples.reduce((sum, s) => sum + s.value, 0);

    const logsCopy = join(outDir, 'continuum-logs.jsonl');
    const tracesCopy = join(outDir, 'continuum-traces.jsonl');
    if (existsSync(levels.logsFile)) copyFileSync(levels.logsFile, logsCopy);
    if (existsSync(levels.tracesFile)) copyFileSync(levels.tracesFile, tracesCopy);
    report.files = {
      logs: countOtlpFile(logsCopy, 'logs'),
      traces: countOtlpFile(tracesCopy, 'traces'),
      logsCopy,
      tracesCopy,
    };
  }

  printSummary(report);
  const reportPath = join(outDir, 'summary.json');
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`  summary as JSON: ${reportPath}`);
  return checkReport(report);
}

/**
 * Returns the problems that fail the demo: no request answered with 200, no agent iteration,
 * or, in full mode, no request total in Prometheus.
 */
function checkReport(report) {
  const problems = [];
  const ok = report.service?.counters.requestsByStatus['200'] ?? 0;
  if (ok === 0) problems.push('the service answered no request with 200');
  if (report.agent.iterations.length === 0) problems.push('the agent ran no iteration');
  if (report.promql && !((report.promql.requests.samples[0]?.value ?? 0) > 0)) {
    problems.push('Prometheus returned no request total');
  }
  return problems;
}

async function cleanup(state) {
  for (const app of [...state.apps].reverse()) await stopApp(app, 5000).catch(() => {});
  if (state.infrastructure) {
    await state.infrastructure.levels.stop().catch(() => {});
    await state.infrastructure.prometheus.stop().catch(() => {});
  }
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`demo: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }

  const state = { apps: [], infrastructure: undefined, outDir: undefined };
  let stopping = false;
  const onSignal = (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\ndemo: ${signal} received; stopping every process the demo started`);
    cleanup(state).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const problems = await run(options, state);
    if (problems.length > 0) {
      console.error(`\ndemo: FAILED: ${problems.join('; ')}`);
      return 1;
    }
    console.log('\ndemo: done');
    return 0;
  } catch (error) {
    console.error(`demo: failed: ${error.message}`);
    return 1;
  } finally {
    if (!stopping) await cleanup(state);
  }
}

process.exitCode = await main();
