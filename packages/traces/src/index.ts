export type { FlushResult } from '@mlsysops/telemetry-core';
export {
  type AdjustableSampler,
  type AdjustableSamplerOptions,
  createAdjustableSampler,
} from './adjustable-sampler.js';
export {
  type AgentIteration,
  type AgentLoop,
  type AgentLoopOptions,
  type AgentPhase,
  ATTR_AGENT_DECISION,
  ATTR_AGENT_ITERATION,
  ATTR_AGENT_NAME,
  ATTR_AGENT_PHASE,
  createAgentLoop,
  EVENT_AGENT_DECISION,
} from './agent-loop.js';
export { createDefaultSpanExporter } from './default-exporter.js';
export {
  createOtlpSpanExporter,
  type OtlpSpanExporter,
  type OtlpSpanExporterOptions,
} from './export/otlp-span-exporter.js';
export {
  DEFAULT_MESSAGE_CONTEXT_KEY,
  extractMessageContext,
  getDefaultMessagePropagator,
  injectMessageContext,
  type MessageCarrier,
  type MessageContextOptions,
  withMessageContext,
} from './message-context.js';
export {
  createSampler,
  DEFAULT_SAMPLER_NAME,
  SAMPLER_NAMES,
  type SamplerName,
} from './sampler.js';
export { startTraces, type TracesHandle, type TracesOptions } from './tracer-provider.js';
export { DEFAULT_TRACER_NAME, failSpan, type WithSpanOptions, withSpan } from './with-span.js';
