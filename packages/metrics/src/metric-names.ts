/**
 * Standard metric names for MLSysOps application components and ML agents. The Collector's
 * Prometheus exporter turns `.` into `_`, appends the unit (`_seconds`) and `_total` for
 * counters, so `mlsysops.inference.duration` is read back as
 * `mlsysops_inference_duration_seconds_bucket` and `mlsysops.inference.requests` as
 * `mlsysops_inference_requests_total`. docs/metric-names.md has the full table.
 */

/** Histogram, seconds: time from receiving an inference request to returning its result. */
export const METRIC_INFERENCE_DURATION = 'mlsysops.inference.duration';
/** Counter, `{request}`: inference requests handled, whatever the outcome. */
export const METRIC_INFERENCE_REQUESTS = 'mlsysops.inference.requests';
/** Counter, `{error}`: inference requests that failed; attribute `error.type` names the cause. */
export const METRIC_INFERENCE_ERRORS = 'mlsysops.inference.errors';
/** UpDownCounter, `{item}`: items waiting in a component's work queue. */
export const METRIC_QUEUE_DEPTH = 'mlsysops.queue.depth';
/**
 * Gauge, `{version}`: value 1 for the model version a component serves now, with attributes
 * `mlsysops.model.name` and `mlsysops.model.version`; a replaced version is set to 0.
 */
export const METRIC_MODEL_IN_USE = 'mlsysops.model.in_use';
/** Counter, `{decision}`: decisions an ML agent took, with `mlsysops.agent.decision`. */
export const METRIC_AGENT_DECISIONS = 'mlsysops.agent.decisions';
/** Histogram, seconds: duration of one observe / decide / act iteration of an agent. */
export const METRIC_AGENT_ITERATION_DURATION = 'mlsysops.agent.iteration.duration';

/** Metric attribute: model name, for example `resnet50`. */
export const ATTR_MODEL_NAME = 'mlsysops.model.name';
/** Metric attribute: model version, for example `3` or `2026-11-30`. */
export const ATTR_MODEL_VERSION = 'mlsysops.model.version';
/** Metric attribute: class of an error (semantic convention `error.type`). */
export const ATTR_ERROR_TYPE = 'error.type';
/** Metric attribute: queue name, when a component has several. */
export const ATTR_QUEUE_NAME = 'mlsysops.queue.name';
/** Metric and span attribute: agent name. */
export const ATTR_AGENT_NAME = 'mlsysops.agent.name';
/** Metric and span attribute: decision taken by an agent, for example `scale-up`. */
export const ATTR_AGENT_DECISION = 'mlsysops.agent.decision';

/**
 * Histogram bucket boundaries in seconds for inference and agent iteration durations:
 * 1 ms to 60 s, denser below one second, where most inferences fall.
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60,
];
