import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import {
  ParentBasedSampler,
  type Sampler,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';

/** Options of {@link createAdjustableSampler}. */
export interface AdjustableSamplerOptions {
  /** Ratio of root traces sampled, from 0 to 1. Default 1. */
  ratio?: number;
  /** Follow the parent span's sampling decision when there is one. Default true. */
  parentBased?: boolean;
}

/** A trace ID ratio sampler whose ratio can change at run time. */
export interface AdjustableSampler extends Sampler {
  /** The ratio in force. */
  readonly ratio: number;
  /** Sets the ratio; spans started afterwards use it. Throws a `RangeError` outside 0 to 1. */
  setRatio(ratio: number): void;
}

function checkRatio(ratio: unknown): number {
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new RangeError(
      `Invalid sampler ratio: ${JSON.stringify(ratio)}; expected a number from 0 to 1.`,
    );
  }
  return ratio;
}

/** Root sampler that delegates to a `TraceIdRatioBasedSampler` replaced on each change. */
class RatioRoot implements Sampler {
  ratio: number;
  delegate: TraceIdRatioBasedSampler;

  constructor(ratio: number) {
    this.ratio = ratio;
    this.delegate = new TraceIdRatioBasedSampler(ratio);
  }

  shouldSample(context: Context, traceId: string): SamplingResult {
    return this.delegate.shouldSample(context, traceId);
  }

  toString(): string {
    return `AdjustableTraceIdRatioBased{${this.ratio}}`;
  }
}

class Adjustable implements AdjustableSampler {
  private readonly root: RatioRoot;
  private readonly sampler: Sampler;

  constructor(ratio: number, parentBased: boolean) {
    this.root = new RatioRoot(ratio);
    this.sampler = parentBased ? new ParentBasedSampler({ root: this.root }) : this.root;
  }

  get ratio(): number {
    return this.root.ratio;
  }

  setRatio(ratio: number): void {
    // The SDK sampler precomputes its trace ID bound, so a new one replaces it.
    this.root.delegate = new TraceIdRatioBasedSampler(checkRatio(ratio));
    this.root.ratio = ratio;
  }

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    return this.sampler.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return this.sampler.toString();
  }
}

/**
 * Creates a sampler that samples a ratio of traces by trace ID, as `traceidratio` does, and
 * by default follows the parent's decision, as `parentbased_traceidratio` does. Ratio 1
 * matches `always_on` and ratio 0 matches `always_off` for root spans. Throws a `RangeError`
 * when `ratio` is outside 0 to 1.
 */
export function createAdjustableSampler(options: AdjustableSamplerOptions = {}): AdjustableSampler {
  return new Adjustable(checkRatio(options.ratio ?? 1), options.parentBased ?? true);
}
