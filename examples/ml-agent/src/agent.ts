import type { Telemetry } from '@mlsysops/telemetry';
import {
  ATTR_AGENT_DECISION,
  ATTR_AGENT_NAME,
  DURATION_BUCKETS_SECONDS,
  METRIC_AGENT_DECISIONS,
  METRIC_AGENT_ITERATION_DURATION,
} from '@mlsysops/telemetry-metrics';
import { createAgentLoop } from '@mlsysops/telemetry-traces';
import { type Meter, type Tracer, ValueType } from '@opentelemetry/api';
import type { ControlClient, ControlState } from './control-client.js';
import { type Decision, decide, type Observation, type PolicyOptions } from './policy.js';
import type { TelemetrySource } from './telemetry-source.js';

/** Observation, decision and action of one iteration, as printed for the demo summary. */
export interface IterationRecord {
  /** 1-based iteration number. */
  iteration: number;
  /** Values read from telemetry. */
  observation: Observation;
  /** Settings read from the service before deciding. */
  before: { batchSize: number; workers: number } | undefined;
  /** The decision. */
  decision: Decision;
  /** True when the new settings were applied; false for `hold` or a failed act step. */
  applied: boolean;
  /** Error message of a failed iteration. */
  error?: string;
}

/** Dependencies of {@link createAgent}. */
export interface AgentOptions {
  /** Name stamped on spans and metrics as `mlsysops.agent.name`. */
  agentName: string;
  /** Source of the observations. */
  source: TelemetrySource;
  /** The service's control endpoint. */
  control: ControlClient;
  /** Thresholds of the policy. */
  policy: PolicyOptions;
  /** Tracer for the iteration spans. */
  tracer: Tracer;
  /** Meter for the decision counter and iteration duration. */
  meter: Meter;
  /** Logger that explains every decision. */
  logger: Telemetry['logger'];
  /**
   * Time after an applied change during which the agent holds, in milliseconds, so the
   * telemetry window shows the effect of the change before the next one. A queue above the
   * watermark is acted on at once, because the queue depth is a current value, not a
   * window. 0 turns the cooldown off.
   */
  cooldownMillis: number;
}

/** An ML agent whose iterations can be run one at a time. */
export interface Agent {
  /** Runs one observe / decide / act iteration; never rejects. */
  runIteration(): Promise<IterationRecord>;
}

const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Creates the agent. Each iteration is one trace: `agent.observe` reads telemetry and the
 * current settings, `agent.decide` applies the policy and records the decision, `agent.act`
 * posts the new settings (skipped on `hold`). A failure in any step is logged with the
 * iteration number, recorded on the spans, and returned in the record.
 */
export function createAgent(options: AgentOptions): Agent {
  const { source, control, policy, logger } = options;
  const loop = createAgentLoop({ agentName: options.agentName, tracer: options.tracer });

  const decisions = options.meter.createCounter(METRIC_AGENT_DECISIONS, {
    description: 'Decisions taken by an ML agent.',
    unit: '{decision}',
    valueType: ValueType.INT,
  });
  const iterationDuration = options.meter.createHistogram(METRIC_AGENT_ITERATION_DURATION, {
    description: 'Duration of one observe, decide and act iteration of an agent.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
  });

  let lastChangeMillis: number | undefined;
  const cooldownLeftMillis = (): number =>
    lastChangeMillis === undefined ? 0 : options.cooldownMillis - (Date.now() - lastChangeMillis);

  const runIteration = (): Promise<IterationRecord> =>
    loop.iteration(async (iteration) => {
      const started = performance.now();
      const record: IterationRecord = {
        iteration: iteration.number,
        observation: {
          p95LatencySeconds: undefined,
          requestRate: undefined,
          queueDepth: undefined,
          errorRate: undefined,
        },
        before: undefined,
        decision: { action: 'hold', reason: 'not decided', target: { batchSize: 0, workers: 0 } },
        applied: false,
      };

      try {
        let state: ControlState;
        [record.observation, state] = await iteration.observe(async (span) => {
          const result = await Promise.all([source.read(), control.read()]);
          span.setAttribute('mlsysops.agent.source', source.description);
          return result;
        });
        record.before = { batchSize: state.batchSize, workers: state.workers };

        record.decision = iteration.decide(() => {
          const waitMillis = cooldownLeftMillis();
          const queueHigh = (record.observation.queueDepth ?? 0) > policy.queueHighWatermark;
          const decision: Decision =
            waitMillis > 0 && !queueHigh
              ? {
                  action: 'hold',
                  reason: `cooldown: the last change needs ${(waitMillis / 1000).toFixed(1)} s more to show in the telemetry window`,
                  target: record.before!,
                }
              : decide(record.observation, record.before!, policy);
          iteration.recordDecision(decision.action, { 'mlsysops.agent.reason': decision.reason });
          return decision;
        });
        decisions.add(1, {
          [ATTR_AGENT_NAME]: options.agentName,
          [ATTR_AGENT_DECISION]: record.decision.action,
        });
        logger.info(`decision ${record.decision.action}: ${record.decision.reason}`, {
          [ATTR_AGENT_DECISION]: record.decision.action,
          'mlsysops.agent.iteration': iteration.number,
        });

        if (record.decision.action !== 'hold') {
          const target = record.decision.target;
          await iteration.act(() => control.apply(target), {
            'inference.batch.size.limit': target.batchSize,
            'inference.workers.limit': target.workers,
          });
          record.applied = true;
          lastChangeMillis = Date.now();
        }
      } catch (error) {
        record.error = errorMessage(error);
        logger.error(
          `iteration ${iteration.number} failed: ${record.error}`,
          { 'mlsysops.agent.iteration': iteration.number },
          error,
        );
      }

      iterationDuration.record((performance.now() - started) / 1000, {
        [ATTR_AGENT_NAME]: options.agentName,
      });
      return record;
    });

  return { runIteration };
}
