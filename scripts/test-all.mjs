// Runs the unit tests and the end-to-end tests, then prints one closing line
// "N passed, N failed" summed over both runs. Exits non-zero when any run failed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const resultsDir = join(import.meta.dirname, '..', '.vitest-results');
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

const runs = [
  { name: 'unit', config: 'vitest.config.ts' },
  { name: 'e2e', config: 'vitest.e2e.config.ts' },
];

let passed = 0;
let failed = 0;
let status = 0;

for (const run of runs) {
  const outputFile = join(resultsDir, `${run.name}.json`);
  console.log(`\n== ${run.name} tests (${run.config})`);
  const result = spawnSync(
    'pnpm',
    [
      'exec',
      'vitest',
      'run',
      '--config',
      run.config,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${outputFile}`,
    ],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) status = 1;

  try {
    const report = JSON.parse(readFileSync(outputFile, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    // A suite that failed to load counts as failed even though it ran no test.
    failed += report.testResults.filter(
      (file) => file.status === 'failed' && file.assertionResults.length === 0,
    ).length;
  } catch (error) {
    console.error(`${run.name}: no JSON report at ${outputFile} (${error.message})`);
    failed += 1;
    status = 1;
  }
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(status === 0 && failed === 0 && passed > 0 ? 0 : 1);
