import { createComponentLogger } from '@mlsysops/telemetry-core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';

const log = createComponentLogger('@mlsysops/telemetry-traces/sampler');

/** Sampler names accepted by `OTEL_TRACES_SAMPLER`, as the OpenTelemetry SDK specification lists them. */
export const SAMPLER_NAMES = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

/** One of {@link SAMPLER_NAMES}. */
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** The sampler used when none is configured: `parentbased_always_on`. */
export const DEFAULT_SAMPLER_NAME: SamplerName = 'parentbased_always_on';

function isSamplerName(value: string): value is SamplerName {
  return (SAMPLER_NAMES as readonly string[]).includes(value);
}

function parseRatio(arg: string | number | undefined, fromEnv: boolean): number {
  if (arg === undefined || arg === '') return 1;

  const ratio = typeof arg === 'number' ? arg : Number(arg);
  if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) return ratio;

  const message = `invalid sampler argument ${JSON.stringify(arg)}; expected a number from 0 to 1`;
  if (!fromEnv) throw new RangeError(`sampler ratio: ${message}`);
  log.warnOnce('ratio', `OTEL_TRACES_SAMPLER_ARG: ${message}; using 1`);
  return 1;
}

/**
 * Builds a sampler from a name and its argument as `OTEL_TRACES_SAMPLER` and
 * `OTEL_TRACES_SAMPLER_ARG` spell them. With `fromEnv` true, an invalid value logs one
 * warning and falls back to `parentbased_always_on` or ratio 1. With `fromEnv` false, it
 * throws a `RangeError` that names the value and the accepted ones.
 */
export function createSampler(
  name: string | undefined,
  arg?: string | number,
  fromEnv = true,
): Sampler {
  const normalized = (name ?? '').trim().toLowerCase();
  let samplerName: SamplerName = DEFAULT_SAMPLER_NAME;

  if (normalized !== '') {
    if (isSamplerName(normalized)) {
      samplerName = normalized;
    } else if (fromEnv) {
      log.warnOnce(
        'name',
        `OTEL_TRACES_SAMPLER: unsupported sampler ${JSON.stringify(name)}; expected one of ` +
          `${SAMPLER_NAMES.join(', ')}; using ${DEFAULT_SAMPLER_NAME}`,
      );
    } else {
      throw new RangeError(
        `sampler: invalid value ${JSON.stringify(name)}; expected one of ${SAMPLER_NAMES.join(', ')}`,
      );
    }
  }

  switch (samplerName) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(parseRatio(arg, fromEnv));
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({
        root: new TraceIdRatioBasedSampler(parseRatio(arg, fromEnv)),
      });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}
