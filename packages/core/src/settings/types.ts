import type { OtlpCompression, OtlpProtocol, OtlpSignal } from '../export/export-target.js';

/** Place of a component in the MLSysOps continuum, stored as `mlsysops.layer`. */
export type MlsysopsLayer = 'node' | 'cluster' | 'continuum';

/** Kind of infrastructure a node belongs to, stored as `mlsysops.continuum.tier`. */
export type ContinuumTier = 'cloud' | 'edge' | 'far-edge';

/** Aggregation temporality the metric exporter requests, as `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE` spells it. */
export type MetricTemporalityPreference = 'cumulative' | 'delta' | 'lowmemory';

/** Trace sampler names from `OTEL_TRACES_SAMPLER` that the JavaScript SDK implements. */
export type TracesSamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

/** Minimum severity of log records that the logs package emits. */
export type LogSeverityName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** Resource attribute values that a resource accepts from code. */
export type ResourceAttributeValue = string | number | boolean;

/** OTLP exporter options of one signal; see {@link TelemetryOtlpOptions}. */
export interface TelemetryOtlpSignalOptions {
  /**
   * Full URL of this signal's endpoint, used as given (no path appended), like
   * `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT`.
   */
  endpoint?: string;
  /** Wire protocol. Default `http/protobuf`. */
  protocol?: OtlpProtocol;
  /** Extra request headers, merged over the generic headers key by key. */
  headers?: Readonly<Record<string, string>>;
  /** Body compression. Default `none`. */
  compression?: OtlpCompression;
  /** Time limit of one export request, in milliseconds. Default 10 000. */
  timeoutMillis?: number;
  /** PEM file with the CA certificates that verify the server. */
  certificateFile?: string;
  /** PEM file with the client private key for mutual TLS. */
  clientKeyFile?: string;
  /** PEM file with the client certificate chain for mutual TLS. */
  clientCertificateFile?: string;
  /** For `grpc` endpoints without a scheme: plaintext instead of TLS. Default false. */
  insecure?: boolean;
}

/** OTLP exporter options in code: generic values plus per-signal overrides. */
export interface TelemetryOtlpOptions extends TelemetryOtlpSignalOptions {
  /**
   * Base URL of the OTLP receiver, like `OTEL_EXPORTER_OTLP_ENDPOINT`: for HTTP protocols
   * `/v1/<signal>` is appended to its path.
   */
  endpoint?: string;
  /** Overrides for metrics. */
  metrics?: TelemetryOtlpSignalOptions;
  /** Overrides for traces. */
  traces?: TelemetryOtlpSignalOptions;
  /** Overrides for logs. */
  logs?: TelemetryOtlpSignalOptions;
}

/** Node-local agent discovery options; see docs/discovery.md. */
export interface DiscoveryOptions {
  /** Probe candidate agents when no endpoint is configured. Default true. */
  enabled?: boolean;
  /** Total time the first discovery may take, in milliseconds. Default 300. */
  probeBudgetMillis?: number;
  /** Host name of a node-local agent service, such as `otel-agent.observability.svc`. */
  serviceHost?: string;
  /** Maximum wait between two background discovery attempts, in milliseconds. Default 30 000. */
  retryMaxBackoffMillis?: number;
  /** OTLP/HTTP ports tried on each discovered host. Default `[4318, 43180]`. */
  httpPorts?: readonly number[];
  /** OTLP/gRPC ports tried on each discovered host. Default `[4317, 43170]`. */
  grpcPorts?: readonly number[];
  /** Also try 127.0.0.1 and ::1. Default true. */
  localhost?: boolean;
}

/** Batch processor options, shared by spans (`OTEL_BSP_*`) and log records (`OTEL_BLRP_*`). */
export interface BatchProcessorOptions {
  /** Delay between two exports, in milliseconds. */
  scheduledDelayMillis?: number;
  /** Time limit of one export, in milliseconds. */
  exportTimeoutMillis?: number;
  /** Items kept in the queue; more are dropped and counted. */
  maxQueueSize?: number;
  /** Items sent in one export; at most `maxQueueSize`. */
  maxExportBatchSize?: number;
}

/** Limits of the store-and-forward buffer of one signal. */
export interface BufferLimitOptions {
  /** Serialized bytes kept while the agent is unreachable. */
  maxBytes?: number;
  /** Items (spans, log records or metric data points) kept while the agent is unreachable. */
  maxItems?: number;
}

/** Options passed in code to {@link resolveSettings}. Every field is optional. */
export interface TelemetryOptions {
  /** `service.name`. Default `OTEL_SERVICE_NAME`, then `unknown_service:<process>`. */
  serviceName?: string;
  /** `service.version`. */
  serviceVersion?: string;
  /** `service.instance.id`. Default: derived from the pod, or a random UUID per process. */
  serviceInstanceId?: string;
  /** `mlsysops.layer`. Default `node`. */
  layer?: MlsysopsLayer;
  /** `mlsysops.continuum.tier`. */
  tier?: ContinuumTier;
  /** `mlsysops.application.id`. */
  applicationId?: string;
  /** `mlsysops.component.name`. */
  componentName?: string;
  /** `k8s.node.name`. */
  nodeName?: string;
  /** `k8s.cluster.name`. */
  clusterName?: string;
  /** `k8s.namespace.name`. */
  namespace?: string;
  /** `k8s.pod.name`. */
  podName?: string;
  /** `k8s.pod.uid`. */
  podUid?: string;
  /** `k8s.container.name`. */
  containerName?: string;
  /** `deployment.environment.name`. */
  deploymentEnvironment?: string;
  /** Further resource attributes; they win over `OTEL_RESOURCE_ATTRIBUTES`. */
  resourceAttributes?: Readonly<Record<string, ResourceAttributeValue>>;
  /** Turn all signals into no-ops, like `OTEL_SDK_DISABLED=true`. Default false. */
  disabled?: boolean;
  /** OTLP exporter options. */
  otlp?: TelemetryOtlpOptions;
  /** Node-local agent discovery. */
  discovery?: DiscoveryOptions;
  /** Interval between two metric exports, in milliseconds. Default 60 000. */
  metricExportIntervalMillis?: number;
  /** Time limit of one metric export, in milliseconds. Default 30 000. */
  metricExportTimeoutMillis?: number;
  /** Aggregation temporality preference of the metric exporter. Default `cumulative`. */
  metricTemporalityPreference?: MetricTemporalityPreference;
  /** Trace sampler. Default `parentbased_always_on`. */
  tracesSampler?: TracesSamplerName;
  /** Sampling ratio from 0 to 1 for the `*traceidratio` samplers. Default 1. */
  tracesSamplerRatio?: number;
  /** Batch span processor. */
  batchSpanProcessor?: BatchProcessorOptions;
  /** Batch log record processor. */
  batchLogRecordProcessor?: BatchProcessorOptions;
  /** Maximum length of an attribute value, in characters. Default unlimited. */
  attributeValueLengthLimit?: number;
  /** Maximum number of attributes per span, log record or event. Default 128. */
  attributeCountLimit?: number;
  /** Minimum severity of emitted log records. Default `info`. */
  logMinSeverity?: LogSeverityName;
  /** Also write log records to the console. Default false. */
  logConsole?: boolean;
  /** Store-and-forward buffer limits per signal. */
  buffer?: { metrics?: BufferLimitOptions; traces?: BufferLimitOptions; logs?: BufferLimitOptions };
  /** Flush and shut down on SIGTERM and SIGINT. Default true. */
  handleSignals?: boolean;
  /** Time limit of shutdown, in milliseconds. Default 5 000. */
  shutdownTimeoutMillis?: number;
  /** Report the packages' own counters (exports, drops, buffer use). Default true. */
  selfTelemetry?: boolean;
  /**
   * Local Prometheus endpoint of the node agent, as `host:port` or a URL. Default
   * `localhost:9999` (path `/metrics`).
   */
  localEndpoint?: string;
}

/** Resolved resource fields; `undefined` means unknown. */
export interface ResourceSettings {
  readonly serviceName: string;
  readonly serviceVersion: string | undefined;
  /** Explicitly configured `service.instance.id`; the resource derives one when undefined. */
  readonly serviceInstanceId: string | undefined;
  readonly layer: MlsysopsLayer;
  readonly tier: ContinuumTier | undefined;
  readonly applicationId: string | undefined;
  readonly componentName: string | undefined;
  readonly nodeName: string | undefined;
  readonly clusterName: string | undefined;
  readonly namespace: string | undefined;
  readonly podName: string | undefined;
  readonly podUid: string | undefined;
  readonly containerName: string | undefined;
  readonly deploymentEnvironment: string | undefined;
  /** `OTEL_RESOURCE_ATTRIBUTES` merged with `resourceAttributes` from code (code wins). */
  readonly attributes: Readonly<Record<string, ResourceAttributeValue>>;
}

/** Resolved OTLP exporter settings of one signal. */
export interface OtlpSignalSettings {
  readonly signal: OtlpSignal;
  readonly protocol: OtlpProtocol;
  /**
   * Explicitly configured endpoint with the path rules applied (generic endpoint plus
   * `/v1/<signal>` for HTTP), or `undefined` when discovery picks the agent.
   */
  readonly url: string | undefined;
  /** Option or variable that set `url`, such as `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`. */
  readonly urlSource: string | undefined;
  /** Option or variable that set `protocol`, or `default`. */
  readonly protocolSource: string;
  /** Request headers. Values may be secrets: print them only through `redactSettings`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: OtlpCompression;
  readonly timeoutMillis: number;
  readonly certificateFile: string | undefined;
  readonly clientKeyFile: string | undefined;
  readonly clientCertificateFile: string | undefined;
  readonly insecure: boolean;
}

/** Resolved discovery settings. */
export interface DiscoverySettings {
  readonly enabled: boolean;
  readonly probeBudgetMillis: number;
  readonly serviceHost: string | undefined;
  readonly retryMaxBackoffMillis: number;
  readonly httpPorts: readonly number[];
  readonly grpcPorts: readonly number[];
  readonly localhost: boolean;
  /** `TELEMETRY_ENDPOINT` as `host:port` (OTLP/gRPC in MLSysOps deployments). */
  readonly deploymentEndpoint: string | undefined;
  /** Node address and the variable it came from (`OTEL_NODE_IP`, `NODE_IP`, `HOST_IP`, `K8S_NODE_IP`). */
  readonly nodeAddress: { readonly host: string; readonly source: string } | undefined;
}

/** Resolved batch processor settings. */
export interface BatchProcessorSettings {
  readonly scheduledDelayMillis: number;
  readonly exportTimeoutMillis: number;
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
}

/** Resolved buffer limits of one signal. */
export interface BufferLimitSettings {
  readonly maxBytes: number;
  readonly maxItems: number;
}

/** Resolved local Prometheus endpoint of the node agent. */
export interface LocalEndpointSettings {
  /** Full URL, such as `http://localhost:9999/metrics`. */
  readonly url: string;
  /** Option or variable that set it, or `default`. */
  readonly source: string;
}

/**
 * One resolved, frozen view of options, `MLSYSOPS_*` variables, standard `OTEL_*` variables,
 * MLSysOps deployment variables and defaults, in that order of precedence.
 */
export interface TelemetrySettings {
  /** Stable digest of every resolved value; equal settings have equal keys. */
  readonly key: string;
  readonly resource: ResourceSettings;
  readonly disabled: boolean;
  /** OTLP exporter settings per signal. */
  readonly otlp: Readonly<Record<OtlpSignal, OtlpSignalSettings>>;
  readonly discovery: DiscoverySettings;
  readonly metricExportIntervalMillis: number;
  readonly metricExportTimeoutMillis: number;
  readonly metricTemporalityPreference: MetricTemporalityPreference;
  readonly tracesSampler: TracesSamplerName;
  /** Ratio for the `*traceidratio` samplers, from 0 to 1. */
  readonly tracesSamplerRatio: number;
  readonly batchSpanProcessor: BatchProcessorSettings;
  readonly batchLogRecordProcessor: BatchProcessorSettings;
  /** Maximum length of an attribute value in characters; `undefined` means unlimited. */
  readonly attributeValueLengthLimit: number | undefined;
  readonly attributeCountLimit: number;
  readonly logMinSeverity: LogSeverityName;
  readonly logConsole: boolean;
  readonly buffer: Readonly<Record<OtlpSignal, BufferLimitSettings>>;
  readonly handleSignals: boolean;
  readonly shutdownTimeoutMillis: number;
  readonly selfTelemetry: boolean;
  readonly localEndpoint: LocalEndpointSettings;
  /** Source (option or variable name, or `default`) of each resolved field, by dotted path. */
  readonly sources: Readonly<Record<string, string>>;
  /** One message per invalid environment value that was ignored. */
  readonly warnings: readonly string[];
}
