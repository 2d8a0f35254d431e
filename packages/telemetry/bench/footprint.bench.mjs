// Footprint of startTelemetry() against the plain NodeSDK with the same three OTLP/HTTP
// exporters: time from the first import to a started pipeline, resident memory that the
// start adds, and the installed size of each package with its dependencies.
//
// Every start is measured in a fresh child process that loads the built dist files, as an
// application does, so module caches and JIT state of one run never help another. The
// exporters point at a loopback HTTP server of this script; nothing is exported before the
// measurement ends. Run through `pnpm bench footprint [--quick]`.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
const telemetryDir = resolve(import.meta.dirname, '..');
const quick = process.argv.includes('--quick');
const runs = quick ? 3 : 11;

// Child code. It reads the baseline after a GC, imports and starts, waits one tick so
// asynchronous start-up work (resource detection, discovery timers) is scheduled, and
// prints one JSON line.
const measure = (body) => `
const gc = globalThis.gc ?? (() => {});
gc();
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
${body}
const ready = performance.now() - t0;
await new Promise((r) => setTimeout(r, 50));
gc();
const rssAfter = process.memoryUsage().rss;
process.stdout.write(JSON.stringify({ readyMillis: ready, rssAddedBytes: rssAfter - rssBefore }) + '\\n');
process.exit(0);
`;

const VARIANTS = {
  'api only (baseline)': `
const api = await import('@opentelemetry/api');
api.metrics.getMeter('x');
`,
  'startTelemetry()': `
const { startTelemetry } = await import('@mlsysops/telemetry');
startTelemetry({ handleSignals: false });
`,
  'startMetrics() only': `
const { startMetrics } = await import('@mlsysops/telemetry-metrics');
startMetrics();
`,
  'NodeSDK + 3 OTLP/HTTP exporters': `
const { NodeSDK } = await import('@opentelemetry/sdk-node');
const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-http');
const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace');
const { PeriodicExportingMetricReader } = await import('@opentelemetry/sdk-metrics');
const { BatchLogRecordProcessor } = await import('@opentelemetry/sdk-logs');
const sdk = new NodeSDK({
  spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  metricReaders: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter() })],
  logRecordProcessors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter() })],
  instrumentations: [],
});
sdk.start();
`,
};

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function buildPackages() {
  execFileSync('pnpm', ['--filter', '@mlsysops/telemetry...', 'run', 'build'], {
    cwd: root,
    stdio: 'ignore',
  });
}

async function measureStarts(endpoint) {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_SERVICE_NAME: 'footprint',
    MLSYSOPS_DISCOVERY_ENABLED: 'false',
  };
  const rows = [];

  for (const [name, body] of Object.entries(VARIANTS)) {
    const ready = [];
    const rss = [];
    for (let run = 0; run < runs; run++) {
      const child = spawnSync(
        process.execPath,
        ['--expose-gc', '--input-type=module', '-e', measure(body)],
        { cwd: telemetryDir, env, encoding: 'utf8', timeout: 30_000 },
      );
      if (child.status !== 0) throw new Error(`${name} failed: ${child.stderr}`);
      const result = JSON.parse(child.stdout.trim().split('\n').at(-1));
      ready.push(result.readyMillis);
      rss.push(result.rssAddedBytes);
    }
    rows.push({ name, readyMillis: median(ready), rssAddedMiB: median(rss) / 1024 / 1024 });
  }
  return rows;
}

function directorySize(dir) {
  // `du` counts every hard-linked file once, as the disk stores it.
  const output = execFileSync('du', ['-sb', dir], { encoding: 'utf8' });
  return Number(output.split('\t')[0]);
}

/** Installs `dependencies` into an empty project from the local pnpm store, without network. */
function installedSize(tarballs, dependencies) {
  const dir = mkdtempSync(join(tmpdir(), 'mlsysops-footprint-'));
  try {
    // The packed manifests name the workspace packages by version; the overrides point
    // those names at the local tarballs, which the registry does not have.
    const overrides = Object.entries(tarballs)
      .map(([name, file]) => `  '${name}': 'file:${file}'\n`)
      .join('');
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'footprint', private: true, dependencies }),
    );
    writeFileSync(join(dir, 'pnpm-workspace.yaml'), `packages: []\noverrides:\n${overrides}`);
    execFileSync(
      'pnpm',
      ['install', '--offline', '--ignore-scripts', '--config.node-linker=hoisted'],
      {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    return directorySize(join(dir, 'node_modules'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function measureSizes() {
  const packDir = mkdtempSync(join(tmpdir(), 'mlsysops-pack-'));
  try {
    const tarballs = {};
    for (const dir of ['core', 'metrics', 'traces', 'logs', 'query', 'telemetry']) {
      const before = new Set(readdirSync(packDir));
      execFileSync('pnpm', ['pack', '--pack-destination', packDir], {
        cwd: join(root, 'packages', dir),
        stdio: 'ignore',
      });
      const file = readdirSync(packDir).find((entry) => !before.has(entry));
      const name = file.replace(/-\d+\.\d+\.\d+\.tgz$/, '').replace(/^mlsysops-/, '@mlsysops/');
      tarballs[name] = join(packDir, file);
    }

    const api = { '@opentelemetry/api': '^1.10.0' };
    const ours = (name) => ({ ...api, [name]: `file:${tarballs[name]}` });
    return [
      ['@mlsysops/telemetry (all signals)', installedSize(tarballs, ours('@mlsysops/telemetry'))],
      [
        '@mlsysops/telemetry-metrics only',
        installedSize(tarballs, ours('@mlsysops/telemetry-metrics')),
      ],
      [
        '@mlsysops/telemetry-traces only',
        installedSize(tarballs, ours('@mlsysops/telemetry-traces')),
      ],
      ['@mlsysops/telemetry-logs only', installedSize(tarballs, ours('@mlsysops/telemetry-logs'))],
      [
        '@opentelemetry/sdk-node + 3 OTLP/HTTP exporters',
        installedSize(tarballs, {
          ...api,
          '@opentelemetry/sdk-node': '^0.301.2',
          '@opentelemetry/exporter-trace-otlp-http': '^0.301.2',
          '@opentelemetry/exporter-metrics-otlp-http': '^0.301.2',
          '@opentelemetry/exporter-logs-otlp-http': '^0.301.2',
        }),
      ],
    ];
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
}

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200).end());
});
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const endpoint = `http://127.0.0.1:${server.address().port}`;

try {
  buildPackages();
  const starts = await measureStarts(endpoint);

  console.log(`\n## Start-up (median of ${runs} child processes each)\n`);
  console.log('| variant | import to ready (ms) | RSS added (MiB) |');
  console.log('| --- | ---: | ---: |');
  for (const row of starts) {
    console.log(`| ${row.name} | ${row.readyMillis.toFixed(1)} | ${row.rssAddedMiB.toFixed(1)} |`);
  }

  console.log('\n## Installed size (pnpm, hoisted node_modules, `du -sb`)\n');
  console.log('| install | size (MiB) |');
  console.log('| --- | ---: |');
  for (const [name, bytes] of measureSizes()) {
    console.log(`| ${name} | ${(bytes / 1024 / 1024).toFixed(1)} |`);
  }
} finally {
  server.close();
}
