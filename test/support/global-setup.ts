import type { TestProject } from 'vitest/node';
import { ensureCollector } from './build-collector.mjs';

// Variables from which the packages derive a node-local or remote address. Tests must
// reach only servers they start on loopback, so none of them leaks in from the shell.
const ADDRESS_VARIABLES = [
  'NODE_IP',
  'NODE_HOSTNAME',
  'OTEL_NODE_IP',
  'HOST_IP',
  'K8S_NODE_IP',
  'K8S_NODE_NAME',
  'TELEMETRY_ENDPOINT',
  'LOCAL_OTEL_ENDPOINT',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT',
];

declare module 'vitest' {
  interface ProvidedContext {
    /** Absolute path of the mlsysops-otelcol binary the end-to-end tests run. */
    otelcolBin: string;
  }
}

/**
 * Builds the Collector when the cache lacks a binary for the current sources, then passes
 * its path to the test files as MLSYSOPS_OTELCOL_BIN and as `inject('otelcolBin')`.
 * Fails the run, with the reason, when Go is missing or the build fails.
 */
export default async function setup(project: TestProject): Promise<void> {
  const cleared = ADDRESS_VARIABLES.filter((name) => process.env[name] !== undefined);
  for (const name of cleared) delete process.env[name];
  if (cleared.length > 0) {
    console.log(`e2e setup: cleared ${cleared.join(', ')} so tests reach only loopback servers`);
  }

  const result = await ensureCollector({ log: (line) => console.log(`e2e setup: ${line}`) });
  process.env.MLSYSOPS_OTELCOL_BIN = result.path;
  project.provide('otelcolBin', result.path);
}
