// `pnpm demo --embedded`: no Collector; the agent reads the service's own endpoint.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DemoRun, runDemo } from './demo-run.js';

describe('demo embedded mode', () => {
  let run: DemoRun;

  afterAll(() => {
    if (run?.summary) rmSync(run.summary.outDir, { recursive: true, force: true });
  });

  it('runs and prints a summary', async () => {
    run = await runDemo(['--duration', '8', '--embedded'], 90_000);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('mode: embedded (--embedded was given)');
    expect(run.stdout).toContain('skipped: no Collector ran');
    expect(run.summary).toBeDefined();
  });

  it('counts every request once', () => {
    const summary = run.summary!;
    const counters = summary.service.counters;
    const predictions = Object.values(counters.predictionsByLabel).reduce((a, b) => a + b, 0);

    expect(counters.inferenceRequests).toBeGreaterThan(0);
    expect(counters.inferenceRequests).toBe(summary.load.sent);
    expect(predictions).toBe(summary.load.succeeded);
    // Each request records one duration and one count in the pre-aggregation.
    expect(summary.service.preAggregation.recorded).toBe(2 * counters.inferenceRequests);
    expect(summary.service.preAggregation.exportedPoints).toBeGreaterThan(0);
    expect(summary.service.preAggregation.exportedPoints).toBeLessThan(
      summary.service.preAggregation.recorded,
    );
  });

  it('lists agent decisions', () => {
    const summary = run.summary!;
    expect(summary.agent.source).toMatch(/^prometheus-text http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(summary.agent.iterations.length).toBeGreaterThanOrEqual(3);
    expect(summary.agent.iterations.filter((it) => it.error !== undefined)).toEqual([]);
    expect(run.stdout).toContain(`#1 ${summary.agent.iterations[0]!.decision.action}`);
    expect(summary.agent.iterations.some((it) => it.decision.reason.includes('req/s'))).toBe(true);
  });
});

describe('demo without a Collector', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'demo-empty-cache-'));
  let run: DemoRun;

  afterAll(() => {
    rmSync(cacheDir, { recursive: true, force: true });
    if (run?.summary) rmSync(run.summary.outDir, { recursive: true, force: true });
  });

  it('falls back to embedded mode', async () => {
    // An empty cache has no Collector binary, and --no-build forbids building one.
    run = await runDemo(['--duration', '5', '--no-build'], 90_000, {
      MLSYSOPS_CACHE: cacheDir,
      MLSYSOPS_OTELCOL_BIN: '',
    });

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(
      'demo: embedded mode, because the Collector is not built and --no-build was given.',
    );
    expect(run.stdout).toContain('demo: to run them: run `pnpm collector:build` (needs Go)');
    expect(run.summary?.mode.mode).toBe('embedded');
    expect(run.summary?.service.counters.inferenceRequests).toBeGreaterThan(0);
  });
});
