#!/usr/bin/env node
// Builds the mlsysops-otelcol Collector distribution from test/support/collector/ and caches
// the binary under $MLSYSOPS_CACHE/otelcol/<key>/, where <key> is the SHA-256 of go.mod,
// go.sum and every *.go file. A later call with the same sources reuses the binary.
//
// Plain Node.js ESM without dependencies, so it runs before `pnpm install` and the build.
//
// Usage: node test/support/build-collector.mjs [--print-path | --check | --help]
//   (none)        build when the cached binary is missing, then print where it is
//   --print-path  same, but stdout gets only the binary path (progress goes to stderr)
//   --check       exit 0 when the cached binary exists, 1 when it does not; builds nothing
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Version string that `mlsysops-otelcol --version` prints. */
export const COLLECTOR_VERSION = 'v0.161.0-mlsysops';

/** File name of the Collector binary inside its cache folder. */
export const COLLECTOR_BINARY_NAME = 'mlsysops-otelcol';

/** Folder with main.go, components.go, go.mod and go.sum. */
export const COLLECTOR_SOURCE_DIR = resolve(import.meta.dirname, 'collector');

// A builder that holds the lock this long without finishing is treated as stuck.
const LOCK_WAIT_MILLIS = 20 * 60_000;

// A lock folder without a pid file is left alone this long, because its owner may be
// between mkdir and writing the file.
const LOCK_PID_GRACE_MILLIS = 10_000;

const LOCK_POLL_MILLIS = 500;
const PROGRESS_INTERVAL_MILLIS = 30_000;

/**
 * Returns the cache root: $MLSYSOPS_CACHE, else $XDG_CACHE_HOME/mlsysops-telemetry, else
 * ~/.cache/mlsysops-telemetry (the same rule as scripts/env.sh).
 */
export function cacheRoot(env = process.env) {
  if (env.MLSYSOPS_CACHE) return env.MLSYSOPS_CACHE;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'mlsysops-telemetry');
}

/** Lists the files that make up the cache key, sorted by name. */
export function collectorSourceFiles(sourceDir = COLLECTOR_SOURCE_DIR) {
  const goFiles = readdirSync(sourceDir).filter((name) => name.endsWith('.go'));
  return ['go.mod', 'go.sum', ...goFiles.sort()];
}

/**
 * Computes the cache key: SHA-256 (hex) over the name and content of go.mod, go.sum and
 * every *.go file, so renaming or editing any of them changes the key.
 */
export function computeCacheKey(sourceDir = COLLECTOR_SOURCE_DIR) {
  const hash = createHash('sha256');

  for (const name of collectorSourceFiles(sourceDir)) {
    const content = readFileSync(join(sourceDir, name));
    hash.update(`${name}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest('hex');
}

/** Returns the cached binary path for the current sources, whether it exists or not. */
export function collectorBinaryPath(options = {}) {
  const sourceDir = options.sourceDir ?? COLLECTOR_SOURCE_DIR;
  const root = options.cacheDir ?? cacheRoot();
  const key = options.key ?? computeCacheKey(sourceDir);
  return join(root, 'otelcol', key, COLLECTOR_BINARY_NAME);
}

/** Returns true when the binary for the current sources is already in the cache. */
export function isCollectorCached(options = {}) {
  return existsSync(collectorBinaryPath(options));
}

/**
 * Returns the output of `go version`. Throws an error with install instructions when the
 * `go` command is missing or fails.
 */
export function findGo(sourceDir = COLLECTOR_SOURCE_DIR) {
  const result = spawnSync('go', ['version'], { encoding: 'utf8' });

  if (result.error || result.status !== 0) {
    const reason = result.error ? result.error.message : result.stderr.trim();
    const goMod = readFileSync(join(sourceDir, 'go.mod'), 'utf8');
    const required = /^go\s+(\S+)/m.exec(goMod)?.[1] ?? 'the version in go.mod';
    throw new Error(
      `cannot build the Collector: the 'go' command failed (${reason}). ` +
        `Install Go ${required} or later from https://go.dev/dl/ and put its bin folder on PATH.`,
    );
  }
  return result.stdout.trim();
}

/**
 * Builds the Collector when the cache has no binary for the current sources and returns
 * `{ path, key, built, elapsedMillis }`. Concurrent callers, in this process or others,
 * share one build through a lock folder next to the binary.
 *
 * `log` receives one line per step (default: stderr).
 */
export async function ensureCollector(options = {}) {
  const started = Date.now();
  const log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  const say = (line) => log(`collector: ${line} (${formatElapsed(Date.now() - started)})`);
  const sourceDir = options.sourceDir ?? COLLECTOR_SOURCE_DIR;
  const key = computeCacheKey(sourceDir);
  const path = collectorBinaryPath({ ...options, sourceDir, key });
  const keyDir = join(path, '..');

  if (existsSync(path)) {
    say(`reused cached binary ${path}`);
    return { path, key, built: false, elapsedMillis: Date.now() - started };
  }

  const goVersion = findGo(sourceDir);
  mkdirSync(keyDir, { recursive: true });
  say(`no cached binary for key ${key.slice(0, 12)}; taking the build lock`);
  const lockDir = `${keyDir}.lock`;
  await acquireLock(lockDir, say);

  try {
    // Another process may have finished the build while this one waited for the lock.
    if (existsSync(path)) {
      say(`another process built ${path}`);
      return { path, key, built: false, elapsedMillis: Date.now() - started };
    }

    // A builder killed during `go build` leaves its partial output behind. With the lock
    // held, no other process writes to this folder, so any such file is garbage.
    for (const name of readdirSync(keyDir)) {
      if (name.startsWith(`${COLLECTOR_BINARY_NAME}.partial-`)) rmSync(join(keyDir, name));
    }

    await buildInto(path, { sourceDir, goVersion, say });
    say(`built ${path}`);
    return { path, key, built: true, elapsedMillis: Date.now() - started };
  } finally {
    releaseLock(lockDir);
  }
}

async function buildInto(path, { sourceDir, goVersion, say }) {
  // The copy keeps the build away from edits made in the working tree meanwhile, so the
  // binary matches the key computed from the same bytes.
  const workDir = mkdtempSync(join(tmpdir(), 'mlsysops-otelcol-src-'));
  const partialPath = `${path}.partial-${process.pid}`;

  try {
    for (const name of collectorSourceFiles(sourceDir)) {
      copyFileSync(join(sourceDir, name), join(workDir, name));
    }

    say(`go build with ${goVersion} in ${workDir} (about 2 min with a warm Go module cache)`);
    await runGoBuild(workDir, partialPath, say);

    // rename() within one folder is atomic, so readers see either no binary or a whole one.
    renameSync(partialPath, path);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    rmSync(partialPath, { force: true });
  }
}

function runGoBuild(workDir, outputPath, say) {
  const args = [
    'build',
    '-trimpath',
    '-ldflags',
    `-X main.version=${COLLECTOR_VERSION}`,
    '-o',
    outputPath,
    '.',
  ];

  return new Promise((resolvePromise, rejectPromise) => {
    const child = spawn('go', args, { cwd: workDir, stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setInterval(() => say('go build still running'), PROGRESS_INTERVAL_MILLIS);

    child.on('error', (error) => {
      clearInterval(timer);
      rejectPromise(new Error(`go build failed to start: ${error.message}`));
    });
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      if (code === 0) {
        resolvePromise();
        return;
      }
      const exitReason = signal ? `signal ${signal}` : `exit code ${code}`;
      rejectPromise(
        new Error(`go build ${args.join(' ')} failed with ${exitReason}. Its output is above.`),
      );
    });
  });
}

async function acquireLock(lockDir, say) {
  const deadline = Date.now() + LOCK_WAIT_MILLIS;
  let reportedOwner;

  while (true) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), `${process.pid}\n`);
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }

    const owner = readLockOwner(lockDir);
    if (owner.stale) {
      say(`removing stale build lock ${lockDir} (${owner.reason})`);
      removeStaleLock(lockDir, owner.pid);
      continue;
    }

    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${formatElapsed(LOCK_WAIT_MILLIS)} waiting for the Collector build ` +
          `lock ${lockDir} held by pid ${owner.pid}; stop that process or delete the folder`,
      );
    }
    if (reportedOwner !== owner.pid) {
      say(`waiting for pid ${owner.pid ?? '(starting)'}, which is building the same binary`);
      reportedOwner = owner.pid;
    }
    await sleep(LOCK_POLL_MILLIS);
  }
}

function readLockOwner(lockDir) {
  let text;

  try {
    text = readFileSync(join(lockDir, 'pid'), 'utf8');
  } catch {
    const ageMillis = lockAgeMillis(lockDir);
    if (ageMillis === undefined) return { stale: false, pid: undefined };
    if (ageMillis > LOCK_PID_GRACE_MILLIS) {
      return { stale: true, pid: undefined, reason: 'no pid file' };
    }
    return { stale: false, pid: undefined };
  }

  const pid = Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0) {
    return { stale: true, pid: undefined, reason: `invalid pid file content '${text.trim()}'` };
  }
  if (!isProcessAlive(pid)) return { stale: true, pid, reason: `pid ${pid} is not running` };
  return { stale: false, pid };
}

function removeStaleLock(lockDir, stalePid) {
  // Renaming first means only one waiter takes the stale folder away. If the renamed folder
  // turns out to carry a live owner (a new lock taken in between), it goes back in place.
  const moved = `${lockDir}.stale-${process.pid}-${Date.now()}`;

  try {
    renameSync(lockDir, moved);
  } catch (error) {
    if (error.code === 'ENOENT') return;
    throw error;
  }

  const owner = readLockOwner(moved);
  if (owner.pid !== undefined && owner.pid !== stalePid && !owner.stale) {
    try {
      renameSync(moved, lockDir);
      return;
    } catch {
      // A third process holds the lock path now; the moved lock's owner keeps building and
      // only the output rename decides, which stays atomic.
    }
  }
  rmSync(moved, { recursive: true, force: true });
}

function releaseLock(lockDir) {
  rmSync(lockDir, { recursive: true, force: true });
}

function lockAgeMillis(lockDir) {
  try {
    return Date.now() - statSync(lockDir).mtimeMs;
  } catch {
    return undefined;
  }
}

function isProcessAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the process exists but belongs to another user.
    return error.code === 'EPERM';
  }
}

function sleep(millis) {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, millis));
}

function formatElapsed(millis) {
  return millis < 10_000 ? `${(millis / 1000).toFixed(2)} s` : `${Math.round(millis / 1000)} s`;
}

const USAGE = `Usage: node test/support/build-collector.mjs [--print-path | --check | --help]

Builds the mlsysops-otelcol Collector from test/support/collector/ unless the cache
($MLSYSOPS_CACHE/otelcol/<sha256 of the sources>/) already has it.

  --print-path  build when needed, then print only the binary path on stdout
  --check       exit 0 when the cached binary exists, else 1; builds nothing
  --help        print this text
`;

async function main(argv) {
  const flags = new Set(argv);
  const known = new Set(['--print-path', '--check', '--help', '-h']);
  const unknown = argv.filter((arg) => !known.has(arg));

  if (unknown.length > 0) {
    process.stderr.write(`build-collector: unknown argument '${unknown[0]}'\n\n${USAGE}`);
    return 2;
  }
  if (flags.has('--help') || flags.has('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (flags.has('--check')) {
    const path = collectorBinaryPath();
    const cached = existsSync(path);
    process.stderr.write(`collector: ${cached ? 'cached' : 'not cached'}: ${path}\n`);
    return cached ? 0 : 1;
  }

  const result = await ensureCollector();
  if (flags.has('--print-path')) process.stdout.write(`${result.path}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`build-collector: ${error.message}\n`);
      process.exitCode = 1;
    },
  );
}
