import {
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type Span,
  SpanKind,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { DEFAULT_TRACER_NAME, withSpan } from './with-span.js';

/** Span attribute: the phase of an agent iteration, one of `observe`, `decide`, `act`. */
export const ATTR_AGENT_PHASE = 'mlsysops.agent.phase';
/** Span attribute: the agent's name, for example `node-agent` or `cluster-agent`. */
export const ATTR_AGENT_NAME = 'mlsysops.agent.name';
/** Span attribute: the 1-based number of the iteration since the loop was created. */
export const ATTR_AGENT_ITERATION = 'mlsysops.agent.iteration';
/** Span attribute: the decision taken in the `decide` phase, for example `scale-up`. */
export const ATTR_AGENT_DECISION = 'mlsysops.agent.decision';
/** Span event name recorded on the `decide` span for every decision. */
export const EVENT_AGENT_DECISION = 'mlsysops.agent.decision';

/** The three phases of an ML agent's control loop. */
export type AgentPhase = 'observe' | 'decide' | 'act';

/** Options for {@link createAgentLoop}. */
export interface AgentLoopOptions {
  /** Agent name stamped on every span as `mlsysops.agent.name`. Required, non-empty. */
  agentName: string;
  /** Tracer for the loop's spans. Default: the global tracer `@mlsysops/telemetry-traces`. */
  tracer?: Tracer;
  /** Attributes added to every iteration span. */
  attributes?: Attributes;
  /**
   * Meter for the loop's metrics. When set, every iteration records its duration in
   * `mlsysops.agent.iteration.duration` (seconds) and every `recordDecision` adds 1 to
   * `mlsysops.agent.decisions`, both with `mlsysops.agent.name`. Default: no metrics.
   */
  meter?: Meter;
}

/** Metric names the agent loop records with, as docs/metric-names.md lists them. */
const METRIC_DECISIONS = 'mlsysops.agent.decisions';
const METRIC_ITERATION_DURATION = 'mlsysops.agent.iteration.duration';
const DURATION_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60,
];

interface LoopMetrics {
  decisions: Counter;
  iterationDuration: Histogram;
}

function createLoopMetrics(meter: Meter): LoopMetrics {
  return {
    decisions: meter.createCounter(METRIC_DECISIONS, {
      description: 'Decisions taken by an ML agent.',
      unit: '{decision}',
    }),
    iterationDuration: meter.createHistogram(METRIC_ITERATION_DURATION, {
      description: 'Duration of one observe, decide and act iteration of an agent.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_SECONDS },
    }),
  };
}

/** One iteration of the loop, handed to the callback of {@link AgentLoop.iteration}. */
export interface AgentIteration {
  /** The 1-based iteration number. */
  readonly number: number;
  /** The iteration span, a parent of the phase spans. */
  readonly span: Span;
  /** Runs `fn` in an `observe` span. */
  observe<T>(fn: (span: Span) => T, attributes?: Attributes): T;
  /** Runs `fn` in a `decide` span. */
  decide<T>(fn: (span: Span) => T, attributes?: Attributes): T;
  /** Runs `fn` in an `act` span. */
  act<T>(fn: (span: Span) => T, attributes?: Attributes): T;
  /**
   * Records a decision on the active `decide` span (or on the iteration span outside it) as
   * attribute `mlsysops.agent.decision` and as an event of the same name.
   */
  recordDecision(decision: string, attributes?: Attributes): void;
}

/** Span helpers for an agent's observe / decide / act loop. */
export interface AgentLoop {
  /** The agent name given at creation. */
  readonly agentName: string;
  /**
   * Runs one iteration in a root span `agent.iteration` (a new trace per iteration, so a
   * long-running loop does not grow one trace forever) and returns what `fn` returns.
   */
  iteration<T>(fn: (iteration: AgentIteration) => T, attributes?: Attributes): T;
}

/**
 * Creates span helpers for an agent loop. Span names are `agent.iteration`, `agent.observe`,
 * `agent.decide` and `agent.act`. An error inside a phase is recorded on the phase span and
 * on the iteration span, then rethrown unchanged.
 */
export function createAgentLoop(options: AgentLoopOptions): AgentLoop {
  if (typeof options?.agentName !== 'string' || options.agentName.trim() === '') {
    throw new TypeError(
      `createAgentLoop: invalid agentName ${JSON.stringify(options?.agentName)}; expected a non-empty string`,
    );
  }

  const agentName = options.agentName;
  const baseAttributes = options.attributes ?? {};
  const getTracer = (): Tracer => options.tracer ?? trace.getTracer(DEFAULT_TRACER_NAME);
  const loopMetrics = options.meter === undefined ? undefined : createLoopMetrics(options.meter);
  const metricAttributes = { [ATTR_AGENT_NAME]: agentName };
  let count = 0;

  const iteration = <T>(fn: (it: AgentIteration) => T, attributes?: Attributes): T => {
    count++;
    const number = count;
    const tracer = getTracer();

    return withSpan(
      'agent.iteration',
      (span) => {
        const phase = <R>(name: AgentPhase, phaseFn: (s: Span) => R, extra?: Attributes): R =>
          withSpan(`agent.${name}`, phaseFn, {
            tracer,
            kind: SpanKind.INTERNAL,
            attributes: {
              ...extra,
              [ATTR_AGENT_NAME]: agentName,
              [ATTR_AGENT_PHASE]: name,
              [ATTR_AGENT_ITERATION]: number,
            },
          });

        const handle: AgentIteration = {
          number,
          span,
          observe: (phaseFn, extra) => phase('observe', phaseFn, extra),
          decide: (phaseFn, extra) => phase('decide', phaseFn, extra),
          act: (phaseFn, extra) => phase('act', phaseFn, extra),
          recordDecision: (decision, extra) => {
            const target = trace.getActiveSpan() ?? span;
            target.setAttribute(ATTR_AGENT_DECISION, decision);
            target.addEvent(EVENT_AGENT_DECISION, { ...extra, [ATTR_AGENT_DECISION]: decision });
            loopMetrics?.decisions.add(1, { ...metricAttributes, [ATTR_AGENT_DECISION]: decision });
          },
        };
        if (loopMetrics === undefined) return fn(handle);
        return timeIteration(loopMetrics, metricAttributes, () => fn(handle));
      },
      {
        tracer,
        root: true,
        kind: SpanKind.INTERNAL,
        attributes: {
          ...baseAttributes,
          ...attributes,
          [ATTR_AGENT_NAME]: agentName,
          [ATTR_AGENT_ITERATION]: number,
        },
      },
    );
  };

  return { agentName, iteration };
}

/** Runs `fn` and records its duration, in seconds, when it returns, throws or settles. */
function timeIteration<T>(loopMetrics: LoopMetrics, attributes: Attributes, fn: () => T): T {
  const started = performance.now();
  const record = () =>
    loopMetrics.iterationDuration.record((performance.now() - started) / 1000, attributes);

  let result: T;
  try {
    result = fn();
  } catch (error) {
    record();
    throw error;
  }

  const thenable = result as { then?: unknown };
  if (result !== null && typeof result === 'object' && typeof thenable.then === 'function') {
    (result as unknown as PromiseLike<unknown>).then(record, record);
  } else {
    record();
  }
  return result;
}
