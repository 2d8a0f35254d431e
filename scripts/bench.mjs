#!/usr/bin/env node
// Runs every benchmark file packages/*/bench/*.bench.{ts,mjs} in turn, each in its own Node.js
// process with --expose-gc, TypeScript through tsx and workspace packages from their sources.
//
// Usage: pnpm bench [filter ...] [--quick]
//   filter   a filter contained in a file path runs only the matching files. Any other
//            filter is passed to every file, which uses it to select its own sections.
//   --quick  shorter runs for a smoke check; the numbers are less stable

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const filters = args.filter((arg) => !arg.startsWith('--'));

if (args.includes('--help')) {
  console.log('Usage: pnpm bench [filter ...] [--quick]');
  process.exit(0);
}

const files = [];
for (const dir of readdirSync(join(root, 'packages'))) {
  const benchDir = join(root, 'packages', dir, 'bench');
  let entries;
  try {
    entries = readdirSync(benchDir);
  } catch {
    continue;
  }
  for (const entry of entries.sort()) {
    if (/\.bench\.(ts|mjs)$/.test(entry)) files.push(join(benchDir, entry));
  }
}

// A filter that matches a file path selects files and is not passed on. Any other filter is
// passed to every file as a section filter.
const fileFilters = filters.filter((filter) =>
  files.some((file) => relative(root, file).includes(filter)),
);
const sectionFilters = filters.filter((filter) => !fileFilters.includes(filter));
const selected =
  fileFilters.length === 0
    ? files
    : files.filter((file) => fileFilters.some((filter) => relative(root, file).includes(filter)));

if (selected.length === 0) {
  console.error(
    `No benchmark file matches ${filters.join(', ')}. Files: ${files.map((file) => relative(root, file)).join(', ')}`,
  );
  process.exit(1);
}

console.log(
  `# mlsysops-telemetry benchmarks (Node ${process.version}, ${new Date().toISOString()})`,
);
let failed = 0;
for (const file of selected) {
  console.log(`\n> ${relative(root, file)}`);
  const passOn = [...sectionFilters, ...(args.includes('--quick') ? ['--quick'] : [])];
  const result = spawnSync(
    process.execPath,
    ['--expose-gc', '--conditions=mlsysops-source', '--import', 'tsx', file, ...passOn],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    failed++;
    console.error(
      `${relative(root, file)} failed with exit code ${result.status ?? result.signal}.`,
    );
  }
}
process.exit(failed === 0 ? 0 : 1);
