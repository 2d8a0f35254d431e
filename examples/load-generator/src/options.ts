import { parseArgs } from 'node:util';

/** Shape of the request rate over the run. */
export type LoadPattern = 'steady' | 'step';

/** Settings of one load-generator run. */
export interface LoadOptions {
  /** Base URL of the inference service; requests go to `<url>/predict` only. */
  url: URL;
  /** Requests per second at full rate. */
  rate: number;
  /** Run length in seconds. */
  durationSeconds: number;
  /** Upper bound on requests sent, whatever the rate and duration. */
  maxRequests: number;
  /** Requests in flight above which a scheduled request is skipped and counted. */
  maxInFlight: number;
  /** `steady`: constant rate. `step`: quarters at 20 %, 100 %, 100 %, 20 % of the rate. */
  pattern: LoadPattern;
  /** Timeout of one request in milliseconds. */
  timeoutMillis: number;
  /** Seed of the feature generator, so two runs send the same requests. */
  seed: number;
  /** Writes progress and the summary as JSON lines instead of text. */
  json: boolean;
}

/** Usage text printed by `--help` and after an invalid option. */
export const USAGE = `Usage: load-generator --url URL [options]

Sends POST <URL>/predict requests at a fixed or stepped rate for a bounded time.

  --url URL             base URL of the inference service (http or https), required
  --rate N              requests per second at full rate, 0.1 to 2000 (default 20)
  --duration SECONDS    run length in seconds, 1 to 3600 (default 30)
  --max-requests N      stop after N requests (default rate x duration)
  --max-in-flight N     skip and count a request when N are in flight, 1 to 1024 (default 128)
  --pattern NAME        steady | step (quarters at 20 %, 100 %, 100 %, 20 %) (default steady)
  --timeout-millis N    timeout of one request in milliseconds (default 10000)
  --seed N              seed of the request features (default 1)
  --json                progress and summary as JSON lines
  --help                show this text`;

function numberOption(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`invalid --${name}: "${raw}"; expected a number from ${min} to ${max}`);
  }
  return value;
}

/** Parses the command line; throws an Error that names the invalid option and its value. */
export function parseLoadOptions(argv: readonly string[]): LoadOptions | 'help' {
  // `pnpm start -- --url ...` passes the `--` separator through to the script.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  const { values } = parseArgs({
    args,
    options: {
      url: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      'max-requests': { type: 'string' },
      'max-in-flight': { type: 'string' },
      pattern: { type: 'string' },
      'timeout-millis': { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });

  if (values.help) return 'help';
  if (values.url === undefined)
    throw new Error('missing --url; expected the base URL of the inference service');

  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    throw new Error(`invalid --url: "${values.url}"; expected an absolute http or https URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`invalid --url: "${values.url}"; expected an http or https URL`);
  }

  const pattern = values.pattern ?? 'steady';
  if (pattern !== 'steady' && pattern !== 'step') {
    throw new Error(`invalid --pattern: "${pattern}"; expected steady or step`);
  }

  const rate = numberOption('rate', values.rate, 20, 0.1, 2000);
  const durationSeconds = numberOption('duration', values.duration, 30, 1, 3600);
  const defaultMax = Math.ceil(rate * durationSeconds);

  return {
    url,
    rate,
    durationSeconds,
    maxRequests: Math.floor(
      numberOption('max-requests', values['max-requests'], defaultMax, 1, 10_000_000),
    ),
    maxInFlight: Math.floor(numberOption('max-in-flight', values['max-in-flight'], 128, 1, 1024)),
    pattern,
    timeoutMillis: numberOption('timeout-millis', values['timeout-millis'], 10_000, 1, 600_000),
    seed: Math.floor(numberOption('seed', values.seed, 1, 0, 2 ** 32 - 1)),
    json: values.json,
  };
}

/** Returns the rate multiplier of `pattern` at `fraction` (0 to 1) of the run. */
export function rateFactor(pattern: LoadPattern, fraction: number): number {
  if (pattern === 'steady') return 1;
  return fraction < 0.25 || fraction >= 0.75 ? 0.2 : 1;
}
