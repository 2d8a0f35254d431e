// Generates the API reference in docs/api from the JSDoc of every package's public exports
// (typedoc with typedoc-plugin-markdown). With --check it generates into a temporary folder
// and fails when docs/api differs, so a change to a public API cannot leave the reference
// stale.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const committed = join(root, 'docs/api');
const check = process.argv.includes('--check');
const out = check ? mkdtempSync(join(tmpdir(), 'mlsysops-api-')) : committed;

const result = spawnSync('pnpm', ['exec', 'typedoc', '--logLevel', 'Error', '--out', out], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);
if (!check) process.exit(0);

/** Lists every file below `dir`, relative to it. */
function listFiles(dir) {
  const files = [];
  const walk = (current) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(relative(dir, path));
    }
  };
  walk(dir);
  return files.sort();
}

const expected = listFiles(out);
let actual = [];
try {
  actual = listFiles(committed);
} catch {
  // A missing docs/api shows up below as every file missing.
}

const problems = [];
for (const file of expected) {
  if (!actual.includes(file)) problems.push(`missing: docs/api/${file}`);
  else if (readFileSync(join(out, file), 'utf8') !== readFileSync(join(committed, file), 'utf8')) {
    problems.push(`stale: docs/api/${file}`);
  }
}
for (const file of actual) {
  if (!expected.includes(file)) problems.push(`no longer generated: docs/api/${file}`);
}
rmSync(out, { recursive: true, force: true });

if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`The API reference is out of date; run 'pnpm docs:api' and commit docs/api.`);
  process.exit(1);
}
console.log(`docs/api is up to date (${expected.length} files).`);
