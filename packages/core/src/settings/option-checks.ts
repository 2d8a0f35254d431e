import type { TelemetryOptions } from './types.js';

/** Accepted values of the enum options, shared with the environment parsers. */
export const ACCEPTED = {
  layer: ['node', 'cluster', 'continuum'],
  tier: ['cloud', 'edge', 'far-edge'],
  protocol: ['http/protobuf', 'http/json', 'grpc'],
  compression: ['gzip', 'none'],
  temporality: ['cumulative', 'delta', 'lowmemory'],
  sampler: [
    'always_on',
    'always_off',
    'traceidratio',
    'parentbased_always_on',
    'parentbased_always_off',
    'parentbased_traceidratio',
  ],
  severity: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'],
} as const;

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function checkString(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`Option ${name} is invalid: ${show(value)}; expected a non-empty string`);
  }
}

function checkBoolean(name: string, value: unknown): void {
  if (value === undefined || typeof value === 'boolean') return;
  throw new TypeError(`Option ${name} is invalid: ${show(value)}; expected true or false`);
}

function checkEnum(name: string, value: unknown, accepted: readonly string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !accepted.includes(value)) {
    throw new RangeError(
      `Option ${name} is invalid: ${show(value)}; expected one of ${accepted.join(', ')}`,
    );
  }
}

function checkInteger(name: string, value: unknown, min: number, unit: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number') {
    throw new TypeError(`Option ${name} is invalid: ${show(value)}; expected a number of ${unit}`);
  }
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `Option ${name} is invalid: ${show(value)}; expected an integer of ${unit} >= ${min}`,
    );
  }
}

function checkPorts(name: string, value: unknown): void {
  if (value === undefined) return;
  const valid =
    Array.isArray(value) &&
    value.every((port) => Number.isInteger(port) && port >= 1 && port <= 65_535);
  if (!valid) {
    throw new RangeError(
      `Option ${name} is invalid: ${show(value)}; expected a list of ports from 1 to 65535`,
    );
  }
}

function checkRatio(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(
      `Option ${name} is invalid: ${show(value)}; expected a number from 0 to 1`,
    );
  }
}

/** Returns true when `text` starts with a URL scheme such as `http://`. */
export function hasScheme(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

/** Returns true when `text` is `host:port` with a port from 1 to 65535 (IPv6 in brackets). */
export function isHostPort(text: string): boolean {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):(\d{1,5})$/i.exec(text);
  if (match === null) return false;

  const port = Number(match[2]);
  return port >= 1 && port <= 65_535;
}

/** Returns true when `text` is an `http:` or `https:` URL with a host. */
export function isHttpUrl(text: string): boolean {
  if (!hasScheme(text)) return false;
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function checkEndpoint(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !(isHttpUrl(value) || isHostPort(value))) {
    throw new TypeError(
      `Option ${name} is invalid: ${show(value)}; expected an http:// or https:// URL (host:port is accepted for grpc)`,
    );
  }
}

function checkHeaders(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`Option ${name} is invalid: expected an object of string values`);
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === '' || typeof item !== 'string') {
      // The value may be a secret, so the message names only the key.
      throw new TypeError(
        `Option ${name}.${key} is invalid: expected a non-empty key and a string value`,
      );
    }
  }
}

function checkExporter(prefix: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`Option ${prefix} is invalid: ${show(value)}; expected an object`);
  }

  const options = value as Record<string, unknown>;
  checkEndpoint(`${prefix}.endpoint`, options.endpoint);
  checkEnum(`${prefix}.protocol`, options.protocol, ACCEPTED.protocol);
  checkHeaders(`${prefix}.headers`, options.headers);
  checkEnum(`${prefix}.compression`, options.compression, ACCEPTED.compression);
  checkInteger(`${prefix}.timeoutMillis`, options.timeoutMillis, 1, 'milliseconds');
  checkString(`${prefix}.certificateFile`, options.certificateFile);
  checkString(`${prefix}.clientKeyFile`, options.clientKeyFile);
  checkString(`${prefix}.clientCertificateFile`, options.clientCertificateFile);
  checkBoolean(`${prefix}.insecure`, options.insecure);
}

function checkBatch(prefix: string, value: TelemetryOptions['batchSpanProcessor']): void {
  if (value === undefined) return;
  checkInteger(`${prefix}.scheduledDelayMillis`, value.scheduledDelayMillis, 0, 'milliseconds');
  checkInteger(`${prefix}.exportTimeoutMillis`, value.exportTimeoutMillis, 1, 'milliseconds');
  checkInteger(`${prefix}.maxQueueSize`, value.maxQueueSize, 1, 'items');
  checkInteger(`${prefix}.maxExportBatchSize`, value.maxExportBatchSize, 1, 'items');
}

function checkResourceAttributes(value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('Option resourceAttributes is invalid: expected an object');
  }
  for (const [key, item] of Object.entries(value)) {
    const ok =
      typeof item === 'string' ||
      typeof item === 'boolean' ||
      (typeof item === 'number' && Number.isFinite(item));
    if (key === '' || !ok) {
      throw new TypeError(
        `Option resourceAttributes[${show(key)}] is invalid: ${show(item)}; expected a string, finite number or boolean`,
      );
    }
  }
}

/**
 * Checks options passed in code and throws `TypeError` (wrong type) or `RangeError` (value
 * out of range) with a message that names the option, the value and what is accepted.
 */
export function validateTelemetryOptions(options: TelemetryOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Telemetry options are invalid: ${show(options)}; expected an object`);
  }

  for (const name of [
    'serviceName',
    'serviceVersion',
    'serviceInstanceId',
    'applicationId',
    'componentName',
    'nodeName',
    'clusterName',
    'namespace',
    'podName',
    'podUid',
    'containerName',
    'deploymentEnvironment',
  ] as const) {
    checkString(name, options[name]);
  }

  checkEnum('layer', options.layer, ACCEPTED.layer);
  checkEnum('tier', options.tier, ACCEPTED.tier);
  checkResourceAttributes(options.resourceAttributes);
  checkBoolean('disabled', options.disabled);

  checkExporter('otlp', options.otlp);
  for (const signal of ['metrics', 'traces', 'logs'] as const) {
    checkExporter(`otlp.${signal}`, options.otlp?.[signal]);
  }

  const discovery = options.discovery;
  checkBoolean('discovery.enabled', discovery?.enabled);
  checkInteger('discovery.probeBudgetMillis', discovery?.probeBudgetMillis, 1, 'milliseconds');
  checkString('discovery.serviceHost', discovery?.serviceHost);
  checkInteger(
    'discovery.retryMaxBackoffMillis',
    discovery?.retryMaxBackoffMillis,
    100,
    'milliseconds',
  );

  checkPorts('discovery.httpPorts', discovery?.httpPorts);
  checkPorts('discovery.grpcPorts', discovery?.grpcPorts);
  checkBoolean('discovery.localhost', discovery?.localhost);

  checkInteger('metricExportIntervalMillis', options.metricExportIntervalMillis, 1, 'milliseconds');
  checkInteger('metricExportTimeoutMillis', options.metricExportTimeoutMillis, 1, 'milliseconds');
  checkEnum(
    'metricTemporalityPreference',
    options.metricTemporalityPreference,
    ACCEPTED.temporality,
  );
  checkEnum('tracesSampler', options.tracesSampler, ACCEPTED.sampler);
  checkRatio('tracesSamplerRatio', options.tracesSamplerRatio);
  checkBatch('batchSpanProcessor', options.batchSpanProcessor);
  checkBatch('batchLogRecordProcessor', options.batchLogRecordProcessor);
  checkInteger('attributeValueLengthLimit', options.attributeValueLengthLimit, 0, 'characters');
  checkInteger('attributeCountLimit', options.attributeCountLimit, 0, 'attributes');
  checkEnum('logMinSeverity', options.logMinSeverity, ACCEPTED.severity);
  checkBoolean('logConsole', options.logConsole);

  for (const signal of ['metrics', 'traces', 'logs'] as const) {
    const limits = options.buffer?.[signal];
    checkInteger(`buffer.${signal}.maxBytes`, limits?.maxBytes, 0, 'bytes');
    checkInteger(`buffer.${signal}.maxItems`, limits?.maxItems, 0, 'items');
  }

  checkBoolean('handleSignals', options.handleSignals);
  checkInteger('shutdownTimeoutMillis', options.shutdownTimeoutMillis, 0, 'milliseconds');
  checkBoolean('selfTelemetry', options.selfTelemetry);
  checkEndpoint('localEndpoint', options.localEndpoint);
}
