import type { OtlpCompression, OtlpProtocol, OtlpSignal } from '../export/export-target.js';
import { DEFAULT_OTLP_TIMEOUT_MILLIS } from './defaults.js';
import {
  parseEnvBoolean,
  parseEnvEnum,
  parseEnvInteger,
  parseEnvKeyValueList,
  readEnvString,
} from './env-parsers.js';
import { ACCEPTED, hasScheme, isHostPort, isHttpUrl } from './option-checks.js';
import type { ResolveContext } from './resolve-context.js';
import type { OtlpSignalSettings, TelemetryOtlpOptions } from './types.js';

/**
 * Appends `/v1/<signal>` to the path of a generic OTLP/HTTP endpoint, as the OTLP exporter
 * specification requires for `OTEL_EXPORTER_OTLP_ENDPOINT`: `http://host:4318` and
 * `http://host:4318/` both become `http://host:4318/v1/metrics`, and
 * `http://host/otlp` becomes `http://host/otlp/v1/metrics`.
 */
export function appendSignalPath(endpoint: string, signal: OtlpSignal): string {
  const url = new URL(endpoint);
  const base = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  url.pathname = `${base}v1/${signal}`;
  return url.toString();
}

function readEnvEndpoint(
  context: ResolveContext,
  name: string,
  protocol: OtlpProtocol,
): string | undefined {
  const value = readEnvString(context.env, name);
  if (value === undefined) return undefined;

  if (isHttpUrl(value)) return value;
  if (protocol === 'grpc' && !hasScheme(value) && isHostPort(value)) return value;

  context.report(
    `${name}="${value}" is invalid: expected an http:// or https:// URL` +
      (protocol === 'grpc' ? ' or host:port' : ''),
  );
  return undefined;
}

/**
 * Resolves the exporter settings of `signal`. Options in code win over variables, and at the
 * same level the signal-specific value wins over the generic one. Headers merge key by key
 * in the same order.
 */
export function resolveOtlpSignal(
  signal: OtlpSignal,
  options: TelemetryOtlpOptions | undefined,
  context: ResolveContext,
): OtlpSignalSettings {
  const env = context.env;
  const upper = signal.toUpperCase();
  const own = options?.[signal];
  const signalVar = (suffix: string) => `OTEL_EXPORTER_OTLP_${upper}_${suffix}`;
  const genericVar = (suffix: string) => `OTEL_EXPORTER_OTLP_${suffix}`;
  const path = (field: string) => `otlp.${signal}.${field}`;

  const protocol = context.pick<OtlpProtocol>(
    path('protocol'),
    [
      [`otlp.${signal}.protocol`, own?.protocol],
      ['otlp.protocol', options?.protocol],
      [
        signalVar('PROTOCOL'),
        parseEnvEnum(env, signalVar('PROTOCOL'), ACCEPTED.protocol, context.report),
      ],
      [
        genericVar('PROTOCOL'),
        parseEnvEnum(env, genericVar('PROTOCOL'), ACCEPTED.protocol, context.report),
      ],
    ],
    'http/protobuf',
  );
  const protocolSource = context.sources[path('protocol')] ?? 'default';

  // A generic endpoint gets the signal path for HTTP; gRPC addresses the service by method name.
  const generic = (endpoint: string | undefined) =>
    endpoint === undefined || protocol === 'grpc' || !isHttpUrl(endpoint)
      ? endpoint
      : appendSignalPath(endpoint, signal);

  const url = context.pickOptional<string>(path('url'), [
    [`otlp.${signal}.endpoint`, own?.endpoint],
    ['otlp.endpoint', generic(options?.endpoint)],
    [signalVar('ENDPOINT'), readEnvEndpoint(context, signalVar('ENDPOINT'), protocol)],
    [genericVar('ENDPOINT'), generic(readEnvEndpoint(context, genericVar('ENDPOINT'), protocol))],
  ]);
  const urlSource = url === undefined ? undefined : context.sources[path('url')];

  const headers: Record<string, string> = {
    ...parseEnvKeyValueList(env, genericVar('HEADERS'), context.report, true),
    ...parseEnvKeyValueList(env, signalVar('HEADERS'), context.report, true),
    ...options?.headers,
    ...own?.headers,
  };

  const compression = context.pick<OtlpCompression>(
    path('compression'),
    [
      [`otlp.${signal}.compression`, own?.compression],
      ['otlp.compression', options?.compression],
      [
        signalVar('COMPRESSION'),
        parseEnvEnum(env, signalVar('COMPRESSION'), ACCEPTED.compression, context.report),
      ],
      [
        genericVar('COMPRESSION'),
        parseEnvEnum(env, genericVar('COMPRESSION'), ACCEPTED.compression, context.report),
      ],
    ],
    'none',
  );

  const timeoutMillis = context.pick<number>(
    path('timeoutMillis'),
    [
      [`otlp.${signal}.timeoutMillis`, own?.timeoutMillis],
      ['otlp.timeoutMillis', options?.timeoutMillis],
      [
        signalVar('TIMEOUT'),
        parseEnvInteger(env, signalVar('TIMEOUT'), context.report, { min: 1 }),
      ],
      [
        genericVar('TIMEOUT'),
        parseEnvInteger(env, genericVar('TIMEOUT'), context.report, { min: 1 }),
      ],
    ],
    DEFAULT_OTLP_TIMEOUT_MILLIS,
  );

  const file = (
    field: 'certificateFile' | 'clientKeyFile' | 'clientCertificateFile',
    suffix: string,
  ) =>
    context.pickOptional<string>(path(field), [
      [`otlp.${signal}.${field}`, own?.[field]],
      [`otlp.${field}`, options?.[field]],
      [signalVar(suffix), readEnvString(env, signalVar(suffix))],
      [genericVar(suffix), readEnvString(env, genericVar(suffix))],
    ]);

  const insecure = context.pick<boolean>(
    path('insecure'),
    [
      [`otlp.${signal}.insecure`, own?.insecure],
      ['otlp.insecure', options?.insecure],
      [signalVar('INSECURE'), parseEnvBoolean(env, signalVar('INSECURE'), context.report)],
      [genericVar('INSECURE'), parseEnvBoolean(env, genericVar('INSECURE'), context.report)],
    ],
    false,
  );

  return {
    signal,
    protocol,
    url,
    urlSource,
    protocolSource,
    headers,
    compression,
    timeoutMillis,
    certificateFile: file('certificateFile', 'CERTIFICATE'),
    clientKeyFile: file('clientKeyFile', 'CLIENT_KEY'),
    clientCertificateFile: file('clientCertificateFile', 'CLIENT_CERTIFICATE'),
    insecure,
  };
}
