export {
  type ComponentLogger,
  type ComponentLoggerOptions,
  createComponentLogger,
  DEFAULT_WARNING_INTERVAL_MILLIS,
} from './diagnostics/component-logger.js';
export {
  type AgentChangeListener,
  type AgentLocator,
  type AgentLocatorOptions,
  type AgentLocatorState,
  type AgentLocatorStatus,
  DEFAULT_RETRY_INITIAL_BACKOFF_MILLIS,
  getAgentLocator,
} from './discovery/agent-locator.js';
export { DEFAULT_AGENT_ENDPOINT, DEFAULT_LOCALHOST_ADDRESSES } from './discovery/candidates.js';
export { discoverAgent } from './discovery/discover-agent.js';
export type {
  AgentCandidate,
  AgentTarget,
  DiscoverAgentOptions,
  DiscoveryResult,
  ProbedCandidate,
  ProbeOutcome,
} from './discovery/types.js';
export { agentExportOptions } from './export/agent-export-options.js';
export type { DropReason, OtlpBatch, SupersedeKey } from './export/export-queue.js';
export {
  DEFAULT_EXPORT_TIMEOUT_MILLIS,
  type ExportTarget,
  type ExportTargetSource,
  encodingOf,
  type OtlpCompression,
  type OtlpEncoding,
  type OtlpProtocol,
  type OtlpSignal,
  redactUrl,
} from './export/export-target.js';
export {
  type OtlpDeliveryControls,
  OtlpExporterBase,
  type OtlpExporterOptions,
  type OtlpSignalCodec,
} from './export/otlp-exporter-base.js';
export {
  createOtlpTransport,
  DEFAULT_FLUSH_TIMEOUT_MILLIS,
  DEFAULT_MAX_QUEUE_BYTES,
  DEFAULT_MAX_QUEUE_ITEMS,
  type EnqueueResult,
  type OtlpTransport,
  type OtlpTransportOptions,
  type PartialSuccess,
} from './export/otlp-transport.js';
export {
  computeBackoffMillis,
  DEFAULT_RETRY_OPTIONS,
  GrpcStatus,
  isRetryableGrpcStatus,
  isRetryableHttpStatus,
  parseRetryAfter,
  type ResolvedRetryOptions,
  type RetryOptions,
} from './export/retry-policy.js';
export type {
  DeliveryReport,
  DroppedItems,
  TransportState,
  TransportStats,
  TransportStatus,
} from './export/transport-stats.js';
export {
  type DeadlineAwareExporter,
  type FlushableExporter,
  flushExporter,
  isDeadlineAware,
  stopExporterNow,
} from './lifecycle/exporter-deadline.js';
export { type GlobalApiType, isGlobalRegistered } from './lifecycle/global-registration.js';
export { type FlushResult, settleWithin } from './lifecycle/settle-within.js';
export {
  createSignalLifecycle,
  type SignalLifecycle,
  type SignalLifecycleOptions,
} from './lifecycle/signal-lifecycle.js';
export {
  type AgentEndpointOverride,
  createAgentEndpointOverride,
  withEndpointOverride,
} from './reconfiguration/agent-endpoint-override.js';
export {
  MAX_SETTINGS_DOCUMENT_BYTES,
  parseSettingsDocument,
  type SettingsDocumentFormat,
  settingsDocumentFormat,
} from './reconfiguration/parse-settings-document.js';
export {
  DEFAULT_SETTINGS_DEBOUNCE_MILLIS,
  DEFAULT_SETTINGS_RECHECK_INTERVAL_MILLIS,
  SETTINGS_FILE_VARIABLE,
  type SettingsFileOutcome,
  type SettingsFileWatcher,
  type SettingsFileWatcherOptions,
  type SettingsFileWatcherStatus,
  watchSettingsFile,
} from './reconfiguration/settings-file-watcher.js';
export type {
  MetricViewRule,
  ReconfigurableField,
  ReconfigurableSettings,
  ReconfigurationSource,
} from './reconfiguration/types.js';
export {
  MAX_RECONFIGURED_EXPORT_INTERVAL_MILLIS,
  MAX_RECONFIGURED_PREAGGREGATION_INTERVAL_MILLIS,
  MIN_RECONFIGURED_EXPORT_INTERVAL_MILLIS,
  RECONFIGURABLE_FIELDS,
  ReconfigurationError,
  validateReconfiguration,
} from './reconfiguration/validate-reconfiguration.js';
export {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_HOST_ARCH,
  ATTR_HOST_NAME,
  ATTR_K8S_CLUSTER_NAME,
  ATTR_K8S_CONTAINER_NAME,
  ATTR_K8S_NAMESPACE_NAME,
  ATTR_K8S_NODE_NAME,
  ATTR_K8S_POD_NAME,
  ATTR_K8S_POD_UID,
  ATTR_MLSYSOPS_APPLICATION_ID,
  ATTR_MLSYSOPS_COMPONENT_NAME,
  ATTR_MLSYSOPS_CONTINUUM_TIER,
  ATTR_MLSYSOPS_LAYER,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from './resource/attribute-keys.js';
export {
  createMlsysopsResource,
  mlsysopsResourceAttributes,
} from './resource/mlsysops-resource.js';
export {
  kubernetesServiceInstanceId,
  SERVICE_INSTANCE_ID_NAMESPACE,
  uuidV5,
} from './resource/service-instance-id.js';
export {
  DEFAULT_ATTRIBUTE_COUNT_LIMIT,
  DEFAULT_BATCH_LOG_RECORD_PROCESSOR,
  DEFAULT_BATCH_SPAN_PROCESSOR,
  DEFAULT_BUFFER_LIMITS,
  DEFAULT_GRPC_PORTS,
  DEFAULT_HTTP_PORTS,
  DEFAULT_LOCAL_ENDPOINT,
  DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS,
  DEFAULT_METRIC_EXPORT_TIMEOUT_MILLIS,
  DEFAULT_OTLP_TIMEOUT_MILLIS,
  DEFAULT_PROBE_BUDGET_MILLIS,
  DEFAULT_RETRY_MAX_BACKOFF_MILLIS,
  DEFAULT_SHUTDOWN_TIMEOUT_MILLIS,
  OTLP_SIGNALS,
  SERVICE_ACCOUNT_NAMESPACE_FILE,
} from './settings/defaults.js';
export {
  type EnvSource,
  type EnvWarningReporter,
  type IntegerRange,
  parseEnvBoolean,
  parseEnvEnum,
  parseEnvInteger,
  parseEnvKeyValueList,
  parseEnvList,
  parseEnvMillis,
  parseEnvNumber,
  parseKeyValueList,
  readEnvString,
} from './settings/env-parsers.js';
export { normalizeLocalEndpoint } from './settings/local-endpoint.js';
export { appendSignalPath } from './settings/otlp-settings.js';
export { REDACTED, redactSettings, redactUrlSecrets } from './settings/redact-settings.js';
export {
  NODE_ADDRESS_VARIABLES,
  type ResolveSettingsContext,
  resolveSettings,
} from './settings/resolve-settings.js';
export type {
  BatchProcessorOptions,
  BatchProcessorSettings,
  BufferLimitOptions,
  BufferLimitSettings,
  ContinuumTier,
  DiscoveryOptions,
  DiscoverySettings,
  LocalEndpointSettings,
  LogSeverityName,
  MetricTemporalityPreference,
  MlsysopsLayer,
  OtlpSignalSettings,
  ResourceAttributeValue,
  ResourceSettings,
  TelemetryOptions,
  TelemetryOtlpOptions,
  TelemetryOtlpSignalOptions,
  TelemetrySettings,
  TracesSamplerName,
} from './settings/types.js';
