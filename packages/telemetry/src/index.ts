export {
  MLS_DROP_REASONS,
  type MlsDroppedPushes,
  type MlsDropReason,
} from './mlstelemetry/dropped-pushes.js';
export type { MlsMetricDescriptor, MlsMetricType } from './mlstelemetry/metric-pusher.js';
export {
  createMlsTelemetry,
  METRIC_MLSTELEMETRY_DROPPED,
} from './mlstelemetry/mls-telemetry.js';
export type {
  LocalMetricOptions,
  MlsTelemetry,
  MlsTelemetryOptions,
  MlsTelemetryStats,
} from './mlstelemetry/mls-telemetry-types.js';
export {
  MLSTELEMETRY_QUERY_VARIABLES,
  queryOptionsFromEnv,
} from './mlstelemetry/query-client.js';
export {
  createReconfigurationController,
  type EffectiveReconfigurableSettings,
  type ReconfigurationChange,
  type ReconfigurationController,
  type ReconfigurationStatus,
  type ReconfigurationTargets,
  type ReconfigureResult,
} from './reconfigure-controller.js';
export type { PreAggregationTarget } from './reconfigure-preaggregation.js';
export {
  type AttachedReconfiguration,
  type PreparedReconfiguration,
  prepareReconfiguration,
  type ReconfigurableHandles,
  type ReconfigurableSignalOptions,
  type ReconfigurationOptions,
} from './reconfigure-wiring.js';
export { getRegisteredTelemetry } from './registered-telemetry.js';
export {
  ATTR_TELEMETRY_DROP_REASON,
  ATTR_TELEMETRY_SIGNAL,
  METRIC_TELEMETRY_BUFFERED,
  METRIC_TELEMETRY_DROPPED,
  METRIC_TELEMETRY_EXPORTED,
  METRIC_TELEMETRY_FAILED,
  METRIC_TELEMETRY_RETRIED,
  registerSelfTelemetry,
  SELF_TELEMETRY_METER_NAME,
} from './self-telemetry.js';
export {
  DEFAULT_SHUTDOWN_SIGNALS,
  installShutdownHandlers,
  type ShutdownHandlerOptions,
} from './shutdown-signals.js';
export {
  type SignalFlushReport,
  type StartTelemetryOptions,
  startTelemetry,
  type Telemetry,
  type TelemetryFlushReport,
} from './start-telemetry.js';
export {
  type ExporterStatusSource,
  readSignalStatus,
  type SignalStatus,
  type TelemetryStatus,
} from './status.js';
