import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSettings, type TelemetryOptions } from '../src/index.js';

const NO_FILE = { serviceAccountNamespaceFile: '/nonexistent/namespace' };

function resolve(options: TelemetryOptions = {}, env: Record<string, string> = {}) {
  return resolveSettings(options, env, NO_FILE);
}

describe('resolveSettings defaults', () => {
  it('uses spec and package defaults', () => {
    const settings = resolve();
    expect(settings.disabled).toBe(false);
    expect(settings.resource.layer).toBe('node');
    expect(settings.resource.serviceName).toMatch(/^unknown_service/);
    expect(settings.resource.tier).toBeUndefined();
    expect(settings.metricExportIntervalMillis).toBe(60_000);
    expect(settings.metricExportTimeoutMillis).toBe(30_000);
    expect(settings.metricTemporalityPreference).toBe('cumulative');
    expect(settings.tracesSampler).toBe('parentbased_always_on');
    expect(settings.tracesSamplerRatio).toBe(1);
    expect(settings.batchSpanProcessor).toEqual({
      scheduledDelayMillis: 5000,
      exportTimeoutMillis: 30000,
      maxQueueSize: 2048,
      maxExportBatchSize: 512,
    });
    expect(settings.batchLogRecordProcessor.scheduledDelayMillis).toBe(1000);
    expect(settings.attributeValueLengthLimit).toBeUndefined();
    expect(settings.attributeCountLimit).toBe(128);
    expect(settings.logMinSeverity).toBe('info');
    expect(settings.logConsole).toBe(false);
    expect(settings.buffer.metrics).toEqual({ maxBytes: 4 * 1024 * 1024, maxItems: 20_000 });
    expect(settings.handleSignals).toBe(true);
    expect(settings.shutdownTimeoutMillis).toBe(5000);
    expect(settings.selfTelemetry).toBe(true);
    expect(settings.localEndpoint).toEqual({
      url: 'http://localhost:9999/metrics',
      source: 'default',
    });
    expect(settings.discovery).toEqual({
      enabled: true,
      probeBudgetMillis: 300,
      serviceHost: undefined,
      retryMaxBackoffMillis: 30_000,
      httpPorts: [4318, 43180],
      grpcPorts: [4317, 43170],
      localhost: true,
      deploymentEndpoint: undefined,
      nodeAddress: undefined,
    });
    expect(settings.warnings).toEqual([]);
  });

  it('defaults each signal exporter', () => {
    const metrics = resolve().otlp.metrics;
    expect(metrics).toEqual({
      signal: 'metrics',
      protocol: 'http/protobuf',
      url: undefined,
      urlSource: undefined,
      protocolSource: 'default',
      headers: {},
      compression: 'none',
      timeoutMillis: 10_000,
      certificateFile: undefined,
      clientKeyFile: undefined,
      clientCertificateFile: undefined,
      insecure: false,
    });
  });

  it('returns a deeply frozen object', () => {
    const settings = resolve({ resourceAttributes: { a: 1 } });
    expect(Object.isFrozen(settings)).toBe(true);
    expect(Object.isFrozen(settings.resource.attributes)).toBe(true);
    expect(Object.isFrozen(settings.otlp.metrics.headers)).toBe(true);
    expect(Object.isFrozen(settings.warnings)).toBe(true);
  });

  it('gives equal settings equal keys', () => {
    expect(resolve({ serviceName: 'a' }).key).toBe(resolve({}, { OTEL_SERVICE_NAME: 'a' }).key);
    expect(resolve({ serviceName: 'a' }).key).not.toBe(resolve({ serviceName: 'b' }).key);
  });
});

describe('resolveSettings resource precedence', () => {
  it('service name: option > MLSYSOPS > OTEL_SERVICE_NAME > OTEL_RESOURCE_ATTRIBUTES', () => {
    const env = {
      MLSYSOPS_SERVICE_NAME: 'mls',
      OTEL_SERVICE_NAME: 'otel',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=attrs',
    };
    expect(resolve({ serviceName: 'code' }, env).resource.serviceName).toBe('code');
    expect(resolve({}, env).resource.serviceName).toBe('mls');
    expect(resolve({}, { ...env, MLSYSOPS_SERVICE_NAME: '' }).resource.serviceName).toBe('otel');
    expect(
      resolve({}, { OTEL_RESOURCE_ATTRIBUTES: 'service.name=attrs' }).resource.serviceName,
    ).toBe('attrs');
    expect(resolve({}, env).sources['resource.serviceName']).toBe('MLSYSOPS_SERVICE_NAME');
  });

  it('resourceAttributes in code win over environment', () => {
    const settings = resolve(
      { resourceAttributes: { 'k8s.node.name': 'code-node', extra: 3 } },
      { MLSYSOPS_NODE_NAME: 'env-node', OTEL_RESOURCE_ATTRIBUTES: 'extra=env,other=x' },
    );
    expect(settings.resource.nodeName).toBe('code-node');
    expect(settings.resource.attributes).toEqual({
      extra: 3,
      other: 'x',
      'k8s.node.name': 'code-node',
    });
  });

  it('node name sources in order', () => {
    const rows: [Record<string, string>, string][] = [
      [{ MLSYSOPS_NODE_NAME: 'a', OTEL_RESOURCE_ATTRIBUTES: 'k8s.node.name=b' }, 'a'],
      [
        { OTEL_RESOURCE_ATTRIBUTES: 'k8s.node.name=b', OTEL_RESOURCE_ATTRIBUTES_NODE_NAME: 'c' },
        'b',
      ],
      [{ OTEL_RESOURCE_ATTRIBUTES_NODE_NAME: 'c', K8S_NODE_NAME: 'd' }, 'c'],
      [{ K8S_NODE_NAME: 'd', NODE_HOSTNAME: 'e' }, 'd'],
      [{ NODE_HOSTNAME: 'e' }, 'e'],
    ];
    for (const [env, expected] of rows) {
      expect(resolve({}, env).resource.nodeName).toBe(expected);
    }
    expect(resolve({ nodeName: 'z' }, { MLSYSOPS_NODE_NAME: 'a' }).resource.nodeName).toBe('z');
  });

  it('pod name, uid and namespace sources in order', () => {
    expect(
      resolve({}, { OTEL_RESOURCE_ATTRIBUTES_POD_NAME: 'op', POD_NAME: 'p' }).resource.podName,
    ).toBe('op');
    expect(resolve({}, { POD_NAME: 'p' }).resource.podName).toBe('p');
    expect(
      resolve({}, { OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name=ra', POD_NAME: 'p' }).resource.podName,
    ).toBe('ra');
    expect(
      resolve({}, { OTEL_RESOURCE_ATTRIBUTES_POD_UID: 'u1', POD_UID: 'u2' }).resource.podUid,
    ).toBe('u1');
    expect(
      resolve({}, { OTEL_RESOURCE_ATTRIBUTES: 'k8s.namespace.name=a', POD_NAMESPACE: 'b' }).resource
        .namespace,
    ).toBe('a');
    expect(resolve({}, { POD_NAMESPACE: 'b' }).resource.namespace).toBe('b');
  });

  it('every resource source in order', () => {
    // Each row lists a field's sources, first wins. Every prefix of the list is set at once,
    // so the first source must win over all later ones.
    const rows: [keyof ReturnType<typeof resolve>['resource'], string[]][] = [
      ['serviceVersion', ['MLSYSOPS_SERVICE_VERSION', 'OTEL_RESOURCE_ATTRIBUTES:service.version']],
      [
        'applicationId',
        ['MLSYSOPS_APPLICATION_ID', 'OTEL_RESOURCE_ATTRIBUTES:mlsysops.application.id'],
      ],
      [
        'componentName',
        ['MLSYSOPS_COMPONENT_NAME', 'OTEL_RESOURCE_ATTRIBUTES:mlsysops.component.name'],
      ],
      [
        'nodeName',
        [
          'MLSYSOPS_NODE_NAME',
          'OTEL_RESOURCE_ATTRIBUTES:k8s.node.name',
          'OTEL_RESOURCE_ATTRIBUTES_NODE_NAME',
          'K8S_NODE_NAME',
          'NODE_HOSTNAME',
        ],
      ],
      [
        'clusterName',
        ['MLSYSOPS_CLUSTER_NAME', 'OTEL_RESOURCE_ATTRIBUTES:k8s.cluster.name', 'K8S_CLUSTER_NAME'],
      ],
      [
        'namespace',
        [
          'MLSYSOPS_NAMESPACE',
          'OTEL_RESOURCE_ATTRIBUTES:k8s.namespace.name',
          'OTEL_RESOURCE_ATTRIBUTES_NAMESPACE',
          'POD_NAMESPACE',
          'K8S_NAMESPACE',
        ],
      ],
      [
        'podName',
        [
          'MLSYSOPS_POD_NAME',
          'OTEL_RESOURCE_ATTRIBUTES:k8s.pod.name',
          'OTEL_RESOURCE_ATTRIBUTES_POD_NAME',
          'K8S_POD_NAME',
          'POD_NAME',
        ],
      ],
      [
        'podUid',
        [
          'OTEL_RESOURCE_ATTRIBUTES:k8s.pod.uid',
          'OTEL_RESOURCE_ATTRIBUTES_POD_UID',
          'K8S_POD_UID',
          'POD_UID',
        ],
      ],
      ['containerName', ['OTEL_RESOURCE_ATTRIBUTES:k8s.container.name', 'K8S_CONTAINER_NAME']],
      [
        'deploymentEnvironment',
        ['MLSYSOPS_DEPLOYMENT_ENVIRONMENT', 'OTEL_RESOURCE_ATTRIBUTES:deployment.environment.name'],
      ],
    ];

    for (const [field, sources] of rows) {
      for (let winner = 0; winner < sources.length; winner++) {
        const env: Record<string, string> = {};
        const attributes: string[] = [];
        for (const [index, source] of sources.entries()) {
          if (index < winner) continue;
          const value = `${field}-${index}`;
          if (source.startsWith('OTEL_RESOURCE_ATTRIBUTES:')) {
            attributes.push(`${source.slice('OTEL_RESOURCE_ATTRIBUTES:'.length)}=${value}`);
          } else {
            env[source] = value;
          }
        }
        if (attributes.length > 0) env.OTEL_RESOURCE_ATTRIBUTES = attributes.join(',');

        const settings = resolve({}, env);
        expect(settings.resource[field], `${field} from ${sources[winner]}`).toBe(
          `${field}-${winner}`,
        );
        expect(resolve({ [field]: 'code' }, env).resource[field]).toBe('code');
      }
    }
  });

  it('ignores a bare CONTAINER_NAME', () => {
    const settings = resolveSettings({}, { CONTAINER_NAME: 'sandbox-1234' });

    expect(settings.resource.containerName).toBeUndefined();
  });

  it('namespace falls back to the service-account file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'core-ns-'));
    const file = join(dir, 'namespace');
    writeFileSync(file, 'from-file\n');

    const fromFile = resolveSettings({}, {}, { serviceAccountNamespaceFile: file });
    expect(fromFile.resource.namespace).toBe('from-file');
    expect(fromFile.sources['resource.namespace']).toBe(file);

    const fromEnv = resolveSettings(
      {},
      { POD_NAMESPACE: 'env' },
      { serviceAccountNamespaceFile: file },
    );
    expect(fromEnv.resource.namespace).toBe('env');
  });

  it('layer, tier, application and component', () => {
    const env = {
      MLSYSOPS_LAYER: 'cluster',
      MLSYSOPS_CONTINUUM_TIER: 'far-edge',
      MLSYSOPS_APPLICATION_ID: 'app-1',
      MLSYSOPS_COMPONENT_NAME: 'detector',
      MLSYSOPS_CLUSTER_NAME: 'c1',
      MLSYSOPS_DEPLOYMENT_ENVIRONMENT: 'staging',
      MLSYSOPS_SERVICE_VERSION: '1.2.3',
    };
    const resource = resolve({}, env).resource;
    expect(resource.layer).toBe('cluster');
    expect(resource.tier).toBe('far-edge');
    expect(resource.applicationId).toBe('app-1');
    expect(resource.componentName).toBe('detector');
    expect(resource.clusterName).toBe('c1');
    expect(resource.deploymentEnvironment).toBe('staging');
    expect(resource.serviceVersion).toBe('1.2.3');

    const code = resolve({ layer: 'continuum', tier: 'cloud' }, env).resource;
    expect(code.layer).toBe('continuum');
    expect(code.tier).toBe('cloud');

    const attrs = resolve({}, { OTEL_RESOURCE_ATTRIBUTES: 'mlsysops.layer=continuum' }).resource;
    expect(attrs.layer).toBe('continuum');
  });

  it('unknown layer warns and falls back to the next source', () => {
    const settings = resolve(
      {},
      { MLSYSOPS_LAYER: 'galaxy', OTEL_RESOURCE_ATTRIBUTES: 'mlsysops.layer=cluster' },
    );
    expect(settings.resource.layer).toBe('cluster');
    expect(settings.warnings).toEqual([
      'MLSYSOPS_LAYER="galaxy" is invalid: expected one of node, cluster, continuum',
    ]);

    const fallback = resolve({}, { MLSYSOPS_LAYER: 'galaxy' });
    expect(fallback.resource.layer).toBe('node');
    expect(fallback.sources['resource.layer']).toBe('default');
  });

  it('unknown tier warns and stays unset', () => {
    const settings = resolve({}, { MLSYSOPS_CONTINUUM_TIER: 'moon' });
    expect(settings.resource.tier).toBeUndefined();
    expect(settings.warnings).toEqual([
      'MLSYSOPS_CONTINUUM_TIER="moon" is invalid: expected one of cloud, edge, far-edge',
    ]);
  });
});

describe('resolveSettings scalar precedence', () => {
  it('OTEL_SDK_DISABLED and its bad value', () => {
    expect(resolve({}, { OTEL_SDK_DISABLED: 'true' }).disabled).toBe(true);
    expect(resolve({ disabled: false }, { OTEL_SDK_DISABLED: 'true' }).disabled).toBe(false);
    const bad = resolve({}, { OTEL_SDK_DISABLED: 'maybe' });
    expect(bad.disabled).toBe(false);
    expect(bad.warnings).toEqual(['OTEL_SDK_DISABLED="maybe" is invalid: expected true or false']);
  });

  it('metric interval, timeout and temporality', () => {
    const env = {
      OTEL_METRIC_EXPORT_INTERVAL: '10000',
      OTEL_METRIC_EXPORT_TIMEOUT: '5000',
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'Delta',
    };
    const settings = resolve({}, env);
    expect(settings.metricExportIntervalMillis).toBe(10_000);
    expect(settings.metricExportTimeoutMillis).toBe(5_000);
    expect(settings.metricTemporalityPreference).toBe('delta');

    const code = resolve(
      { metricExportIntervalMillis: 2000, metricTemporalityPreference: 'lowmemory' },
      env,
    );
    expect(code.metricExportIntervalMillis).toBe(2000);
    expect(code.metricTemporalityPreference).toBe('lowmemory');
  });

  it('negative interval warns and falls back', () => {
    const settings = resolve({}, { OTEL_METRIC_EXPORT_INTERVAL: '-5' });
    expect(settings.metricExportIntervalMillis).toBe(60_000);
    expect(settings.warnings).toEqual([
      'OTEL_METRIC_EXPORT_INTERVAL="-5" is invalid: expected an integer from 1 to 9007199254740991',
    ]);
  });

  it('timeout longer than interval is clamped', () => {
    const byDefault = resolve({ metricExportIntervalMillis: 1000 });
    expect(byDefault.metricExportTimeoutMillis).toBe(1000);
    expect(byDefault.warnings).toEqual([]);

    const byEnv = resolve(
      {},
      { OTEL_METRIC_EXPORT_INTERVAL: '1000', OTEL_METRIC_EXPORT_TIMEOUT: '2000' },
    );
    expect(byEnv.metricExportTimeoutMillis).toBe(1000);
    expect(byEnv.warnings).toEqual([
      'OTEL_METRIC_EXPORT_TIMEOUT=2000 is invalid: expected at most the export interval 1000 ms; using 1000',
    ]);

    expect(() =>
      resolve({ metricExportIntervalMillis: 1000, metricExportTimeoutMillis: 2000 }),
    ).toThrow(RangeError);
  });

  it('sampler and ratio', () => {
    const settings = resolve(
      {},
      { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
    );
    expect(settings.tracesSampler).toBe('traceidratio');
    expect(settings.tracesSamplerRatio).toBe(0.1);

    const ignoredArg = resolve(
      {},
      { OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: 'x' },
    );
    expect(ignoredArg.tracesSamplerRatio).toBe(1);
    expect(ignoredArg.warnings).toEqual([]);

    const bad = resolve({}, { OTEL_TRACES_SAMPLER: 'jaeger_remote', OTEL_TRACES_SAMPLER_ARG: '2' });
    expect(bad.tracesSampler).toBe('parentbased_always_on');
    expect(bad.warnings).toHaveLength(1);

    const badRatio = resolve(
      {},
      { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' },
    );
    expect(badRatio.tracesSamplerRatio).toBe(1);
    expect(badRatio.warnings).toEqual([
      'OTEL_TRACES_SAMPLER_ARG="2" is invalid: expected a number from 0 to 1',
    ]);

    expect(
      resolve({ tracesSampler: 'always_off' }, { OTEL_TRACES_SAMPLER: 'always_on' }).tracesSampler,
    ).toBe('always_off');
  });

  it('batch processors from OTEL_BSP and OTEL_BLRP', () => {
    const settings = resolve(
      { batchLogRecordProcessor: { maxQueueSize: 100 } },
      {
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_BSP_EXPORT_TIMEOUT: '200',
        OTEL_BSP_MAX_QUEUE_SIZE: '300',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '30',
        OTEL_BLRP_MAX_QUEUE_SIZE: '999',
        OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '50',
      },
    );
    expect(settings.batchSpanProcessor).toEqual({
      scheduledDelayMillis: 100,
      exportTimeoutMillis: 200,
      maxQueueSize: 300,
      maxExportBatchSize: 30,
    });
    expect(settings.batchLogRecordProcessor.maxQueueSize).toBe(100);
    expect(settings.batchLogRecordProcessor.maxExportBatchSize).toBe(50);
  });

  it('batch size above queue size is clamped or thrown', () => {
    const settings = resolve(
      {},
      { OTEL_BSP_MAX_QUEUE_SIZE: '10', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '20' },
    );
    expect(settings.batchSpanProcessor.maxExportBatchSize).toBe(10);
    expect(settings.warnings).toHaveLength(1);
    expect(() =>
      resolve({ batchSpanProcessor: { maxQueueSize: 10, maxExportBatchSize: 20 } }),
    ).toThrow('Option batchSpanProcessor.maxExportBatchSize is invalid: 20');
  });

  it('attribute limits', () => {
    const settings = resolve(
      {},
      { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '256', OTEL_ATTRIBUTE_COUNT_LIMIT: '64' },
    );
    expect(settings.attributeValueLengthLimit).toBe(256);
    expect(settings.attributeCountLimit).toBe(64);
    expect(
      resolve({ attributeCountLimit: 8 }, { OTEL_ATTRIBUTE_COUNT_LIMIT: '64' }).attributeCountLimit,
    ).toBe(8);
  });

  it('log level and console mirror', () => {
    const settings = resolve({}, { MLSYSOPS_LOG_LEVEL: 'DEBUG', MLSYSOPS_LOG_CONSOLE: 'true' });
    expect(settings.logMinSeverity).toBe('debug');
    expect(settings.logConsole).toBe(true);
    const bad = resolve({}, { MLSYSOPS_LOG_LEVEL: 'loud' });
    expect(bad.logMinSeverity).toBe('info');
    expect(bad.warnings).toHaveLength(1);
  });

  it('buffer limits: signal variable > all-signal variable > default', () => {
    const settings = resolve(
      { buffer: { logs: { maxItems: 5 } } },
      {
        MLSYSOPS_BUFFER_MAX_BYTES: '1000',
        MLSYSOPS_TRACES_BUFFER_MAX_BYTES: '2000',
        MLSYSOPS_BUFFER_MAX_ITEMS: '50',
      },
    );
    expect(settings.buffer.metrics).toEqual({ maxBytes: 1000, maxItems: 50 });
    expect(settings.buffer.traces).toEqual({ maxBytes: 2000, maxItems: 50 });
    expect(settings.buffer.logs).toEqual({ maxBytes: 1000, maxItems: 5 });
  });

  it('shutdown and self telemetry', () => {
    const settings = resolve(
      {},
      {
        MLSYSOPS_HANDLE_SIGNALS: 'false',
        MLSYSOPS_SHUTDOWN_TIMEOUT_MILLIS: '1500',
        MLSYSOPS_SELF_TELEMETRY: 'false',
      },
    );
    expect(settings.handleSignals).toBe(false);
    expect(settings.shutdownTimeoutMillis).toBe(1500);
    expect(settings.selfTelemetry).toBe(false);
    expect(
      resolve({ handleSignals: true }, { MLSYSOPS_HANDLE_SIGNALS: 'false' }).handleSignals,
    ).toBe(true);
  });

  it('local endpoint: option > MLSYSOPS_LOCAL_ENDPOINT > LOCAL_OTEL_ENDPOINT', () => {
    expect(resolve({}, { LOCAL_OTEL_ENDPOINT: '10.0.0.5:9999' }).localEndpoint).toEqual({
      url: 'http://10.0.0.5:9999/metrics',
      source: 'LOCAL_OTEL_ENDPOINT',
    });
    expect(
      resolve({}, { LOCAL_OTEL_ENDPOINT: 'a:1', MLSYSOPS_LOCAL_ENDPOINT: 'http://b:2/prom' })
        .localEndpoint.url,
    ).toBe('http://b:2/prom');
    expect(
      resolve({ localEndpoint: 'c:3' }, { LOCAL_OTEL_ENDPOINT: 'a:1' }).localEndpoint.url,
    ).toBe('http://c:3/metrics');
    const bad = resolve({}, { LOCAL_OTEL_ENDPOINT: 'not an endpoint' });
    expect(bad.localEndpoint.source).toBe('default');
    expect(bad.warnings).toEqual([
      'LOCAL_OTEL_ENDPOINT="not an endpoint" is invalid: expected host:port or an http:// URL',
    ]);
  });

  it('discovery variables', () => {
    const settings = resolve(
      {},
      {
        MLSYSOPS_DISCOVERY_ENABLED: 'false',
        MLSYSOPS_DISCOVERY_PROBE_BUDGET_MILLIS: '150',
        MLSYSOPS_DISCOVERY_SERVICE_HOST: 'otel-agent.observability.svc',
        MLSYSOPS_DISCOVERY_RETRY_MAX_BACKOFF_MILLIS: '5000',
        TELEMETRY_ENDPOINT: '10.1.2.3:43170',
        NODE_IP: '10.1.2.3',
        HOST_IP: '10.9.9.9',
      },
    );
    expect(settings.discovery).toEqual({
      enabled: false,
      probeBudgetMillis: 150,
      serviceHost: 'otel-agent.observability.svc',
      retryMaxBackoffMillis: 5000,
      httpPorts: [4318, 43180],
      grpcPorts: [4317, 43170],
      localhost: true,
      deploymentEndpoint: '10.1.2.3:43170',
      nodeAddress: { host: '10.1.2.3', source: 'NODE_IP' },
    });
  });

  it('discovery ports and localhost', () => {
    const settings = resolve(
      {},
      {
        MLSYSOPS_DISCOVERY_HTTP_PORTS: '14318, 24318',
        MLSYSOPS_DISCOVERY_GRPC_PORTS: '',
        MLSYSOPS_DISCOVERY_LOCALHOST: 'false',
      },
    );
    expect(settings.discovery.httpPorts).toEqual([14318, 24318]);
    expect(settings.discovery.grpcPorts).toEqual([]);
    expect(settings.discovery.localhost).toBe(false);

    const bad = resolve({}, { MLSYSOPS_DISCOVERY_HTTP_PORTS: '80,99999' });
    expect(bad.discovery.httpPorts).toEqual([4318, 43180]);
    expect(bad.warnings).toEqual([
      'MLSYSOPS_DISCOVERY_HTTP_PORTS="80,99999" is invalid: expected comma-separated ports from 1 to 65535',
    ]);

    const code = resolve({ discovery: { httpPorts: [1] } }, { MLSYSOPS_DISCOVERY_HTTP_PORTS: '2' });
    expect(code.discovery.httpPorts).toEqual([1]);
    expect(() => resolve({ discovery: { grpcPorts: [0] } })).toThrow(
      'Option discovery.grpcPorts is invalid: [0]; expected a list of ports from 1 to 65535',
    );
  });

  it('node address variables in order', () => {
    const env = { OTEL_NODE_IP: '::1', NODE_IP: 'a', HOST_IP: 'b', K8S_NODE_IP: 'c' };
    expect(resolve({}, env).discovery.nodeAddress).toEqual({ host: '::1', source: 'OTEL_NODE_IP' });
    expect(resolve({}, { HOST_IP: 'b', K8S_NODE_IP: 'c' }).discovery.nodeAddress?.source).toBe(
      'HOST_IP',
    );
    expect(resolve({}, { K8S_NODE_IP: '[::1]' }).discovery.nodeAddress).toEqual({
      host: '::1',
      source: 'K8S_NODE_IP',
    });
    const bad = resolve({}, { NODE_IP: 'not/an ip', HOST_IP: '127.0.0.1' });
    expect(bad.discovery.nodeAddress).toEqual({ host: '127.0.0.1', source: 'HOST_IP' });
    expect(bad.warnings).toEqual([
      'NODE_IP="not/an ip" is invalid: expected an IP address or host name',
    ]);
  });

  it('TELEMETRY_ENDPOINT accepts host:port and URL', () => {
    expect(resolve({}, { TELEMETRY_ENDPOINT: 'http://h:43170' }).discovery.deploymentEndpoint).toBe(
      'h:43170',
    );
    const noPort = resolve({}, { TELEMETRY_ENDPOINT: 'http://h' });
    expect(noPort.discovery.deploymentEndpoint).toBeUndefined();
    expect(noPort.warnings).toEqual([
      'TELEMETRY_ENDPOINT="http://h" is invalid: expected host:port',
    ]);

    const bad = resolve({}, { TELEMETRY_ENDPOINT: 'h' });
    expect(bad.discovery.deploymentEndpoint).toBeUndefined();
    expect(bad.warnings).toEqual(['TELEMETRY_ENDPOINT="h" is invalid: expected host:port']);
  });
});

describe('resolveSettings option errors', () => {
  const cases: [string, TelemetryOptions, string][] = [
    [
      'layer',
      { layer: 'galaxy' as never },
      'Option layer is invalid: "galaxy"; expected one of node, cluster, continuum',
    ],
    [
      'tier',
      { tier: 'moon' as never },
      'Option tier is invalid: "moon"; expected one of cloud, edge, far-edge',
    ],
    [
      'serviceName',
      { serviceName: '' },
      'Option serviceName is invalid: ""; expected a non-empty string',
    ],
    [
      'interval',
      { metricExportIntervalMillis: -1 },
      'Option metricExportIntervalMillis is invalid: -1; expected an integer of milliseconds >= 1',
    ],
    [
      'timeout type',
      { otlp: { timeoutMillis: '5' as never } },
      'Option otlp.timeoutMillis is invalid: "5"; expected a number of milliseconds',
    ],
    [
      'endpoint',
      { otlp: { endpoint: 'ftp://x' } },
      'Option otlp.endpoint is invalid: "ftp://x"; expected an http:// or https:// URL (host:port is accepted for grpc)',
    ],
    [
      'signal protocol',
      { otlp: { traces: { protocol: 'udp' as never } } },
      'Option otlp.traces.protocol is invalid: "udp"; expected one of http/protobuf, http/json, grpc',
    ],
    [
      'ratio',
      { tracesSamplerRatio: 2 },
      'Option tracesSamplerRatio is invalid: 2; expected a number from 0 to 1',
    ],
    [
      'disabled',
      { disabled: 'yes' as never },
      'Option disabled is invalid: "yes"; expected true or false',
    ],
    [
      'attribute',
      { resourceAttributes: { a: {} as never } },
      'Option resourceAttributes["a"] is invalid: {}; expected a string, finite number or boolean',
    ],
    [
      'buffer',
      { buffer: { metrics: { maxBytes: 1.5 } } },
      'Option buffer.metrics.maxBytes is invalid: 1.5; expected an integer of bytes >= 0',
    ],
    [
      'budget',
      { discovery: { probeBudgetMillis: 0 } },
      'Option discovery.probeBudgetMillis is invalid: 0; expected an integer of milliseconds >= 1',
    ],
    [
      'local endpoint',
      { localEndpoint: 'nowhere' },
      'Option localEndpoint is invalid: "nowhere"; expected an http:// or https:// URL (host:port is accepted for grpc)',
    ],
  ];

  for (const [name, options, message] of cases) {
    it(`rejects ${name}`, () => {
      expect(() => resolve(options)).toThrow(message);
    });
  }

  it('uses TypeError for types and RangeError for values', () => {
    expect(() => resolve({ disabled: 'yes' as never })).toThrow(TypeError);
    expect(() => resolve({ layer: 'galaxy' as never })).toThrow(RangeError);
  });

  it('never shows a header value', () => {
    let message = '';
    try {
      resolve({ otlp: { headers: { authorization: 42 as never } } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      'Option otlp.headers.authorization is invalid: expected a non-empty key and a string value',
    );
  });
});
