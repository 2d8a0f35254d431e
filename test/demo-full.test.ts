// `pnpm demo` with Prometheus and the three Collector levels (built by the global setup).
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type DemoRun, runDemo } from './demo-run.js';

describe('demo full mode', () => {
  let run: DemoRun;

  afterAll(() => {
    if (run?.summary) rmSync(run.summary.outDir, { recursive: true, force: true });
  });

  it('runs and prints a summary', async () => {
    run = await runDemo(['--duration', '8', '--no-build'], 110_000);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('mode: full');
    expect(run.stdout).toContain('PromQL results from Prometheus');
    expect(run.summary).toBeDefined();
  });

  it('finds every request in PromQL', () => {
    const summary = run.summary!;
    const requests = summary.promql!.requests!.samples[0]?.value;

    expect(summary.service.counters.inferenceRequests).toBeGreaterThan(0);
    expect(requests).toBe(summary.service.counters.inferenceRequests);
    expect(summary.nodeLevel).toBe(summary.service.counters.inferenceRequests);
  });

  it('labels series by layer', () => {
    const origin = run.summary!.promql!.origin!.samples.map((s) => s.labels);
    expect(origin).toEqual([
      { mlsysops_layer: 'node', k8s_node_name: 'e2e-node-1', k8s_cluster_name: 'e2e-cluster-a' },
    ]);
  });

  it('delivers logs and traces', () => {
    const files = run.summary!.files!;
    expect(files.traces.records).toBeGreaterThan(
      run.summary!.service.counters.inferenceRequests - 1,
    );
    expect(files.traces.services).toEqual(['inference-service', 'ml-agent']);
    expect(files.logs.records).toBeGreaterThan(0);
    expect(files.logs.services).toContain('inference-service');
  });

  it('lists agent decisions', () => {
    const summary = run.summary!;
    expect(summary.agent.source).toMatch(/^promql http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
    expect(summary.agent.iterations.length).toBeGreaterThanOrEqual(3);
    expect(summary.agent.iterations.filter((it) => it.error !== undefined)).toEqual([]);

    const decisions = summary.promql!.decisions!.samples.reduce((sum, s) => sum + s.value, 0);
    expect(decisions).toBeGreaterThan(0);
  });
});
