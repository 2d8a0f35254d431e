#!/usr/bin/env node
// Command-line entry of the load generator; see USAGE in options.ts.
import { parseLoadOptions, USAGE } from './options.js';
import { formatProgress, formatSummary } from './report.js';
import { runLoad } from './run-load.js';

let options: ReturnType<typeof parseLoadOptions>;
try {
  options = parseLoadOptions(process.argv.slice(2));
} catch (error) {
  console.error(`load-generator: ${error instanceof Error ? error.message : String(error)}`);
  console.error(USAGE);
  process.exit(2);
}

if (options === 'help') {
  console.log(USAGE);
  process.exit(0);
}

const settings = options;
const controller = new AbortController();
for (const signalName of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signalName, () => controller.abort());
}

// A TTY gets one line rewritten every second; logs and pipes get one line every 5 seconds.
const tty = process.stdout.isTTY === true && !settings.json;
const progressEveryMillis = tty ? 1000 : 5000;
let lastProgress = performance.now();

const summary = await runLoad(
  settings,
  (stats) => {
    const now = performance.now();
    if (now - lastProgress < progressEveryMillis) return;
    lastProgress = now;

    if (settings.json) console.log(JSON.stringify({ event: 'progress', ...stats }));
    else if (tty) process.stdout.write(`\r${formatProgress(stats)}\u001b[K`);
    else console.log(formatProgress(stats));
  },
  controller.signal,
);

if (tty) process.stdout.write('\n');
if (settings.json) console.log(JSON.stringify({ event: 'summary', ...summary }));
else console.log(formatSummary(settings.url.href, summary));
