import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  ATTR_MLSYSOPS_LAYER,
  createMlsysopsResource,
  kubernetesServiceInstanceId,
  mlsysopsResourceAttributes,
  resolveSettings,
  SERVICE_INSTANCE_ID_NAMESPACE,
  type TelemetryOptions,
  uuidV5,
} from '../src/index.js';

const NO_FILE = { serviceAccountNamespaceFile: '/nonexistent/namespace' };

function settingsOf(options: TelemetryOptions = {}, env: Record<string, string> = {}) {
  return resolveSettings(options, env, NO_FILE);
}

describe('uuidV5', () => {
  it('matches a reference implementation', () => {
    // Expected values from Python 3's uuid.uuid5(namespace, name).
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    expect(uuidV5('mlsysops.detector-5f7.main', SERVICE_INSTANCE_ID_NAMESPACE)).toBe(
      '0c3964b5-adb1-591c-9737-df1875e1ef16',
    );
  });

  it('rejects a malformed namespace', () => {
    expect(() => uuidV5('x', 'not-a-uuid')).toThrow(RangeError);
  });
});

describe('kubernetesServiceInstanceId', () => {
  it('hashes namespace.pod.container in the semconv namespace', () => {
    expect(kubernetesServiceInstanceId('ns', 'pod-1', 'app')).toBe(
      uuidV5('ns.pod-1.app', SERVICE_INSTANCE_ID_NAMESPACE),
    );
    expect(kubernetesServiceInstanceId('ns', 'pod-1', undefined)).toBe(
      uuidV5('ns.pod-1', SERVICE_INSTANCE_ID_NAMESPACE),
    );
    expect(kubernetesServiceInstanceId(undefined, 'pod-1', 'app')).toBeUndefined();
  });
});

describe('createMlsysopsResource', () => {
  it('sets the MLSysOps and Kubernetes attributes', () => {
    const settings = settingsOf(
      {
        serviceName: 'detector',
        serviceVersion: '2.0.0',
        layer: 'cluster',
        tier: 'edge',
        applicationId: 'app-7',
        componentName: 'inference',
        clusterName: 'c1',
        deploymentEnvironment: 'prod',
      },
      {
        NODE_HOSTNAME: 'node-a',
        POD_NAME: 'detector-5f7',
        POD_NAMESPACE: 'mlsysops',
        OTEL_RESOURCE_ATTRIBUTES_POD_UID: 'uid-1',
        OTEL_RESOURCE_ATTRIBUTES: 'k8s.container.name=main,team=ops',
      },
    );
    const attributes = createMlsysopsResource(settings).attributes;

    expect(attributes['service.name']).toBe('detector');
    expect(attributes['service.version']).toBe('2.0.0');
    expect(attributes[ATTR_MLSYSOPS_LAYER]).toBe('cluster');
    expect(attributes['mlsysops.continuum.tier']).toBe('edge');
    expect(attributes['mlsysops.application.id']).toBe('app-7');
    expect(attributes['mlsysops.component.name']).toBe('inference');
    expect(attributes['k8s.node.name']).toBe('node-a');
    expect(attributes['k8s.cluster.name']).toBe('c1');
    expect(attributes['k8s.namespace.name']).toBe('mlsysops');
    expect(attributes['k8s.pod.name']).toBe('detector-5f7');
    expect(attributes['k8s.pod.uid']).toBe('uid-1');
    expect(attributes['k8s.container.name']).toBe('main');
    expect(attributes['deployment.environment.name']).toBe('prod');
    expect(attributes.team).toBe('ops');
    expect(attributes['service.instance.id']).toBe(
      uuidV5('mlsysops.detector-5f7.main', SERVICE_INSTANCE_ID_NAMESPACE),
    );
  });

  it('adds host, process and SDK attributes', () => {
    const attributes = createMlsysopsResource(settingsOf({ serviceName: 'p' })).attributes;
    expect(attributes['host.name']).toBe(hostname());
    expect(attributes['process.pid']).toBe(process.pid);
    expect(attributes['process.runtime.name']).toBe('nodejs');
    expect(attributes['process.runtime.version']).toBe(process.versions.node);
    expect(attributes['telemetry.sdk.language']).toBe('nodejs');
    expect(attributes['process.command_args']).toBeUndefined();
  });

  it('leaves unknown fields out', () => {
    const attributes = createMlsysopsResource(settingsOf({ serviceName: 'bare' })).attributes;
    expect(attributes['mlsysops.continuum.tier']).toBeUndefined();
    expect(attributes['k8s.node.name']).toBeUndefined();
    expect(attributes['mlsysops.layer']).toBe('node');
  });

  it('random instance id is stable for the process', () => {
    const first = mlsysopsResourceAttributes(settingsOf({ serviceName: 'a' }));
    const second = mlsysopsResourceAttributes(settingsOf({ serviceName: 'b' }));
    expect(first['service.instance.id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
    expect(second['service.instance.id']).toBe(first['service.instance.id']);
  });

  it('explicit instance id wins', () => {
    const attributes = mlsysopsResourceAttributes(
      settingsOf(
        {},
        {
          OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=fixed',
          POD_NAME: 'p',
          POD_NAMESPACE: 'n',
        },
      ),
    );
    expect(attributes['service.instance.id']).toBe('fixed');
  });

  it('named fields win over OTEL_RESOURCE_ATTRIBUTES', () => {
    const attributes = mlsysopsResourceAttributes(
      settingsOf(
        {},
        {
          OTEL_SERVICE_NAME: 'from-var',
          OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,host.name=h1',
        },
      ),
    );
    expect(attributes['service.name']).toBe('from-var');
    expect(attributes['host.name']).toBe('h1');
  });

  it('returns one resource per settings key', () => {
    const a = createMlsysopsResource(settingsOf({ serviceName: 'memo' }));
    const b = createMlsysopsResource(settingsOf({}, { OTEL_SERVICE_NAME: 'memo' }));
    const c = createMlsysopsResource(settingsOf({ serviceName: 'other' }));
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('shares the cache through globalThis', () => {
    const settings = settingsOf({ serviceName: 'shared' });
    const resource = createMlsysopsResource(settings);
    const cache = (globalThis as Record<symbol, Map<string, unknown>>)[
      Symbol.for('@mlsysops/telemetry-core/resources')
    ];
    expect(cache?.get(settings.key)).toBe(resource);
  });
});
