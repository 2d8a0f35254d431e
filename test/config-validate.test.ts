// Checks the reference Collector configs (examples/collector/) and the Kubernetes manifests
// (examples/kubernetes/). Every file parses and every manifest has the fields Kubernetes
// requires. The ConfigMaps carry the configs unchanged, and every variable a config reads is
// documented. The built Collector accepts every config (`mlsysops-otelcol validate`).
// The build has no k8s_cluster receiver, so the cluster gateway is validated without its
// orchestrator pipeline, and the full config must fail on that receiver alone.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import {
  CONFIG_DIR,
  LEVELS,
  type Level,
  readLevelConfig,
  withoutOrchestratorPipeline,
} from './levels-harness.js';
import { validateConfig } from './support/collector.js';

const ROOT = join(import.meta.dirname, '..');
const KUBERNETES_DIR = join(ROOT, 'examples', 'kubernetes');
const DEPLOYMENT_DOC = join(ROOT, 'docs', 'deployment.md');
const COLLECTOR_IMAGE = 'otel/opentelemetry-collector-contrib:0.161.0';
const RELEASE_LINE = 'Collector release: v0.161.0 (core v1.67.0)';

type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
};

type Container = {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports?: { name?: string; containerPort: number; hostPort?: number }[];
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
};

type PodTemplate = {
  metadata: { labels: Record<string, string> };
  spec: {
    containers: Container[];
    serviceAccountName?: string;
    volumes?: { name: string; configMap?: { name: string } }[];
    affinity?: unknown;
  };
};

// Environment with which the required variables of the configs are set.
const REQUIRED_ENV = { K8S_NODE_NAME: 'validate-node', K8S_CLUSTER_NAME: 'validate-cluster' };

// Kinds that live in a namespace, and cluster-scoped kinds, among those the manifests use.
const NAMESPACED = new Set(['ServiceAccount', 'DaemonSet', 'Deployment', 'Service', 'ConfigMap']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
const API_VERSION = /^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

// Every manifest under examples/kubernetes/, application folders included, relative paths.
function manifestFiles(): string[] {
  return readdirSync(KUBERNETES_DIR, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.yaml'))
    .sort();
}

function loadManifests(file: string): Manifest[] {
  const documents = parseAllDocuments(readFileSync(join(KUBERNETES_DIR, file), 'utf8'));
  const list = Array.isArray(documents) ? documents : [documents];

  for (const document of list) {
    expect(document.errors, `${file}: YAML errors`).toEqual([]);
    expect(document.warnings, `${file}: YAML warnings`).toEqual([]);
  }
  return list
    .map((document) => document.toJS() as Manifest)
    .filter((manifest) => manifest !== null);
}

function allManifests(): Manifest[] {
  return manifestFiles().flatMap((file) => loadManifests(file));
}

function findManifest(kind: string, name: string): Manifest {
  const found = allManifests().find(
    (manifest) => manifest.kind === kind && manifest.metadata.name === name,
  );
  if (!found) throw new Error(`no ${kind} named ${name} in examples/kubernetes`);
  return found;
}

function podTemplate(manifest: Manifest): PodTemplate {
  return (manifest.spec as { template: PodTemplate }).template;
}

function envVariables(configText: string): { name: string; hasDefault: boolean }[] {
  const found = new Map<string, boolean>();

  for (const match of configText.matchAll(/\$\{env:([A-Z0-9_]+)(:-[^}]*)?\}/g)) {
    const name = match[1] as string;
    found.set(name, (found.get(name) ?? false) || match[2] !== undefined);
  }
  return [...found].map(([name, hasDefault]) => ({ name, hasDefault }));
}

function headerComment(configText: string): string {
  const lines = configText.split('\n');
  const end = lines.findIndex((line) => !line.startsWith('#'));
  return lines.slice(0, end).join('\n');
}

function expectValid(level: string, text: string, env: Record<string, string>): void {
  const result = validateConfig(text, { env: { ...REQUIRED_ENV, ...env } });
  expect(result.output, `${level}: validate output`).not.toMatch(/error/i);
  expect(result.exitCode, `${level}: validate exit code`).toBe(0);
}

describe('Kubernetes manifests', () => {
  it.each(manifestFiles())('%s has required fields', (file) => {
    const manifests = loadManifests(file);
    expect(manifests.length).toBeGreaterThan(0);

    for (const manifest of manifests) {
      const where = `${file}: ${manifest.kind}/${manifest.metadata?.name}`;
      expect(manifest.apiVersion, where).toMatch(API_VERSION);
      expect(typeof manifest.kind, where).toBe('string');
      expect(manifest.metadata.name, where).toMatch(DNS_LABEL);
      if (NAMESPACED.has(manifest.kind)) {
        expect(manifest.metadata.namespace, where).toMatch(DNS_LABEL);
      }
      if (CLUSTER_SCOPED.has(manifest.kind)) {
        expect(manifest.metadata.namespace, where).toBeUndefined();
      }

      if (manifest.kind === 'Deployment' || manifest.kind === 'DaemonSet') {
        const spec = manifest.spec as { selector: { matchLabels: Record<string, string> } };
        const template = podTemplate(manifest);
        // The API server rejects a workload whose selector does not match its pod labels.
        for (const [key, value] of Object.entries(spec.selector.matchLabels)) {
          expect(template.metadata.labels[key], `${where}: pod label ${key}`).toBe(value);
        }
        expect(template.spec.containers.length, where).toBeGreaterThan(0);
        for (const container of template.spec.containers) {
          expect(container.name, where).toMatch(DNS_LABEL);
          expect(container.image, where).toMatch(/\S+:\S+/);
          for (const port of container.ports ?? []) {
            expect(port.name?.length ?? 0, `${where}: port name length`).toBeLessThanOrEqual(15);
          }
        }
      }
      if (manifest.kind === 'Service') {
        const spec = manifest.spec as {
          selector: Record<string, string>;
          ports: { port: number }[];
        };
        expect(Object.keys(spec.selector).length, where).toBeGreaterThan(0);
        expect(spec.ports.length, where).toBeGreaterThan(0);
      }
      if (manifest.kind === 'ConfigMap') {
        expect(Object.keys(manifest.data as object).length, where).toBeGreaterThan(0);
      }
      if (manifest.kind === 'ClusterRoleBinding') {
        const binding = manifest as unknown as {
          roleRef: { kind: string; name: string };
          subjects: unknown[];
        };
        expect(binding.roleRef.kind, where).toBe('ClusterRole');
        expect(binding.subjects.length, where).toBeGreaterThan(0);
      }
    }
  });

  it('ConfigMaps carry configs unchanged', () => {
    for (const level of LEVELS) {
      const configMap = findManifest('ConfigMap', `${level}-config`);
      expect((configMap.data as Record<string, string>)['config.yaml'], level).toBe(
        readLevelConfig(level),
      );
    }

    const check = spawnSync(
      process.execPath,
      [join(KUBERNETES_DIR, 'generate-configmaps.mjs'), '--check'],
      {
        encoding: 'utf8',
      },
    );
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('collectors mount their ConfigMap', () => {
    const workloads: [string, string][] = [
      ['DaemonSet', 'node-agent'],
      ['Deployment', 'cluster-gateway'],
      ['Deployment', 'continuum-gateway'],
    ];

    for (const [kind, name] of workloads) {
      const spec = podTemplate(findManifest(kind, name)).spec;
      expect(spec.containers[0]?.image, name).toBe(COLLECTOR_IMAGE);
      expect(spec.volumes?.find((volume) => volume.name === 'config')?.configMap?.name, name).toBe(
        `${name}-config`,
      );
      expect(spec.containers[0]?.livenessProbe?.httpGet, name).toEqual({
        path: '/',
        port: 'health',
      });
      expect(spec.containers[0]?.readinessProbe?.httpGet, name).toEqual({
        path: '/',
        port: 'health',
      });

      const health = spec.containers[0]?.ports?.find((port) => port.name === 'health');
      expect(health?.containerPort, `${name}: health port = config default`).toBe(13133);
    }
  });

  it('node agent uses MLSysOps host ports', () => {
    const container = podTemplate(findManifest('DaemonSet', 'node-agent')).spec
      .containers[0] as Container;
    const ports = Object.fromEntries((container.ports ?? []).map((port) => [port.name, port]));

    expect(ports['otlp-grpc']).toEqual({
      name: 'otlp-grpc',
      containerPort: 4317,
      hostPort: 43170,
      protocol: 'TCP',
    });
    expect(ports['otlp-http']).toEqual({
      name: 'otlp-http',
      containerPort: 4318,
      hostPort: 43180,
      protocol: 'TCP',
    });
    expect(ports['prom-local']).toEqual({
      name: 'prom-local',
      containerPort: 9999,
      hostPort: 9999,
      protocol: 'TCP',
    });

    const nodeName = container.env?.find((variable) => variable.name === 'K8S_NODE_NAME');
    expect(nodeName?.valueFrom?.fieldRef?.fieldPath).toBe('spec.nodeName');
  });

  it('workloads set required variables', () => {
    const workloadOf: Record<Level, [string, string]> = {
      'node-agent': ['DaemonSet', 'node-agent'],
      'cluster-gateway': ['Deployment', 'cluster-gateway'],
      'continuum-gateway': ['Deployment', 'continuum-gateway'],
    };

    for (const level of LEVELS) {
      const required = envVariables(readLevelConfig(level)).filter(
        (variable) => !variable.hasDefault,
      );
      const [kind, name] = workloadOf[level];
      const set = new Set(
        podTemplate(findManifest(kind, name)).spec.containers[0]?.env?.map(
          (variable) => variable.name,
        ),
      );

      for (const variable of required)
        expect(set.has(variable.name), `${name} sets ${variable.name}`).toBe(true);
    }
  });

  it('workloads set only known variables', () => {
    const levelOf: [string, string, Level][] = [
      ['DaemonSet', 'node-agent', 'node-agent'],
      ['Deployment', 'cluster-gateway', 'cluster-gateway'],
      ['Deployment', 'continuum-gateway', 'continuum-gateway'],
    ];

    for (const [kind, name, level] of levelOf) {
      const known = new Set(envVariables(readLevelConfig(level)).map((variable) => variable.name));
      known.add('GOMEMLIMIT');
      const set = podTemplate(findManifest(kind, name)).spec.containers[0]?.env ?? [];

      // A misspelt name would be ignored by the Collector and leave the default in place.
      for (const variable of set)
        expect(known.has(variable.name), `${name} sets unknown ${variable.name}`).toBe(true);
    }
  });

  it('application reads downward API', () => {
    const container = podTemplate(findManifest('Deployment', 'sample-inference')).spec
      .containers[0] as Container;
    const fieldOf = Object.fromEntries(
      (container.env ?? []).map((variable) => [
        variable.name,
        variable.valueFrom?.fieldRef?.fieldPath,
      ]),
    );

    expect(fieldOf).toMatchObject({
      NODE_IP: 'status.hostIP',
      OTEL_NODE_IP: 'status.hostIP',
      NODE_HOSTNAME: 'spec.nodeName',
      K8S_NODE_NAME: 'spec.nodeName',
      K8S_POD_NAME: 'metadata.name',
      K8S_NAMESPACE: 'metadata.namespace',
      K8S_POD_UID: 'metadata.uid',
    });
    // Discovery finds the node agent: no endpoint is written into the application.
    const names = (container.env ?? []).map((variable) => variable.name);
    expect(names).not.toContain('TELEMETRY_ENDPOINT');
    expect(names).not.toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
  });

  it('cluster role covers k8s_cluster', () => {
    const role = findManifest('ClusterRole', 'mlsysops-cluster-gateway') as unknown as {
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    };
    const granted = new Set(
      role.rules.flatMap((rule) =>
        rule.apiGroups.flatMap((group) => rule.resources.map((resource) => `${group}/${resource}`)),
      ),
    );

    for (const needed of [
      '/nodes',
      '/pods',
      '/namespaces',
      '/resourcequotas',
      'apps/deployments',
      'apps/daemonsets',
      'batch/jobs',
    ]) {
      expect(granted.has(needed), needed).toBe(true);
    }
    for (const rule of role.rules) expect(rule.verbs).toEqual(['get', 'list', 'watch']);

    const binding = findManifest('ClusterRoleBinding', 'mlsysops-cluster-gateway') as unknown as {
      subjects: { kind: string; name: string; namespace: string }[];
    };
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'cluster-gateway', namespace: 'mlsysops-telemetry' },
    ]);
  });
});

describe('Collector configs', () => {
  it.each(LEVELS)('%s documents its variables', (level) => {
    const text = readLevelConfig(level);
    const header = headerComment(text);
    const doc = readFileSync(DEPLOYMENT_DOC, 'utf8');

    expect(header).toContain(RELEASE_LINE);
    expect(doc).toContain('v0.161.0');
    for (const { name } of envVariables(text)) {
      expect(header, `${level}.yaml header lists ${name}`).toMatch(
        new RegExp(`^#\\s+${name}\\s`, 'm'),
      );
      expect(doc, `docs/deployment.md lists ${name}`).toContain(`\`${name}\``);
    }
  });

  it('configs parse as YAML', () => {
    for (const file of readdirSync(CONFIG_DIR).filter((name) => name.endsWith('.yaml'))) {
      const config = parse(readFileSync(join(CONFIG_DIR, file), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(config).sort(), file).toEqual(
        expect.arrayContaining(['exporters', 'extensions', 'processors', 'receivers', 'service']),
      );
    }
  });

  it('node agent is accepted', () => {
    expectValid('node-agent', readLevelConfig('node-agent'), {});
  });

  it.each([
    ['defaults', {}],
    [
      'test stand-ins',
      {
        CONTINUUM_METRICS_EXPORTER: 'prometheus_remote_write/mimir',
        CONTINUUM_LOGS_EXPORTER: 'file/logs',
        CONTINUUM_TRACES_EXPORTER: 'file/traces',
      },
    ],
    ['Mimir over OTLP', { CONTINUUM_METRICS_EXPORTER: 'otlp_http/mimir' }],
    [
      'files only',
      { CONTINUUM_METRICS_EXPORTER: 'file/metrics', CONTINUUM_LOGS_EXPORTER: 'file/logs' },
    ],
  ])('continuum gateway accepted: %s', (_name, env) => {
    expectValid('continuum-gateway', readLevelConfig('continuum-gateway'), env);
  });

  it('unknown exporter choice is rejected', () => {
    const result = validateConfig(readLevelConfig('continuum-gateway'), {
      env: { CONTINUUM_LOGS_EXPORTER: 'otlp_http/elastic' },
    });

    expect(result.exitCode).not.toBe(0);
    expect(result.output).toContain(
      'references exporter "otlp_http/elastic" which is not configured',
    );
  });

  it('cluster gateway fails only on k8s_cluster', () => {
    const result = validateConfig(readLevelConfig('cluster-gateway'), { env: REQUIRED_ENV });

    expect(result.exitCode).not.toBe(0);
    expect(result.output).toContain(`'receivers' unknown type: "k8s_cluster"`);
  });

  it('k8s_cluster settings use known keys', () => {
    // The build cannot check these settings, so they are compared with the receiver's
    // v0.161.0 sources. The keys are the mapstructure tags of config.go, including the
    // squashed k8sconfig.APIConfig and metrics builder config. The auth types come from
    // k8sconfig, the allocatable types from internal/node, the metrics from documentation.md.
    const knownKeys = [
      'auth_type',
      'context',
      'kube_api_qps',
      'kube_api_burst',
      'collection_interval',
      'node_conditions_to_report',
      'allocatable_types_to_report',
      'metadata_exporters',
      'distribution',
      'metadata_collection_interval',
      'metrics',
      'resource_attributes',
      'namespace',
      'namespaces',
      'k8s_leader_elector',
    ];
    const optionalMetrics = [
      'k8s.container.status.reason',
      'k8s.container.status.state',
      'k8s.node.condition',
      'k8s.persistentvolume.status.phase',
      'k8s.persistentvolume.storage.capacity',
      'k8s.persistentvolumeclaim.status.phase',
      'k8s.persistentvolumeclaim.storage.capacity',
      'k8s.persistentvolumeclaim.storage.request',
      'k8s.pod.status_reason',
      'k8s.service.endpoint.count',
      'k8s.service.load_balancer.ingress.count',
      'k8s.statefulset.pod.available',
    ];
    const config = parse(readLevelConfig('cluster-gateway')) as {
      receivers: { k8s_cluster: Record<string, unknown> };
    };
    const receiver = config.receivers.k8s_cluster;

    for (const key of Object.keys(receiver)) expect(knownKeys, `k8s_cluster.${key}`).toContain(key);
    expect(['none', 'serviceAccount', 'kubeConfig', 'tls']).toContain(receiver.auth_type);
    for (const type of receiver.allocatable_types_to_report as string[]) {
      expect(['cpu', 'memory', 'ephemeral-storage', 'pods']).toContain(type);
    }
    for (const [metric, setting] of Object.entries(
      receiver.metrics as Record<string, { enabled: boolean }>,
    )) {
      expect(optionalMetrics, `k8s_cluster.metrics.${metric}`).toContain(metric);
      expect(setting).toEqual({ enabled: true });
    }
  });

  it('cluster gateway accepted without k8s_cluster', () => {
    const stripped = withoutOrchestratorPipeline(readLevelConfig('cluster-gateway'));
    console.log(
      `cluster-gateway.yaml validated without ${stripped.removed.join(', ')}: the k8s_cluster ` +
        'receiver is not in this Collector build (its dependency k8sleaderelector v0.161.0 is ' +
        'not served by the Go module proxy), so its settings were not checked',
    );

    expect(stripped.removed).toEqual([
      'receivers.k8s_cluster',
      'service.pipelines.metrics/orchestrator',
      'processors.resource/orchestrator',
    ]);
    expectValid('cluster-gateway', stripped.text, {});
  });
});
