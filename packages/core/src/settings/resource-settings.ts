import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseEnvKeyValueList, readEnvString } from './env-parsers.js';
import { ACCEPTED } from './option-checks.js';
import type { ResolveContext } from './resolve-context.js';
import type {
  ContinuumTier,
  MlsysopsLayer,
  ResourceAttributeValue,
  ResourceSettings,
  TelemetryOptions,
} from './types.js';

function readNamespaceFile(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch {
    // Outside Kubernetes, or without a mounted service account, the file does not exist.
    return undefined;
  }
}

function asString(value: ResourceAttributeValue | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

/**
 * Resolves the resource fields. Each field takes the first value found in: the named option,
 * `resourceAttributes` in code, `MLSYSOPS_*`, standard OpenTelemetry variables
 * (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, the Operator's
 * `OTEL_RESOURCE_ATTRIBUTES_*`), then common Kubernetes and MLSysOps deployment variables.
 */
export function resolveResourceSettings(
  options: TelemetryOptions,
  context: ResolveContext,
  namespaceFile: string,
): ResourceSettings {
  const env = context.env;
  const fromEnv = parseEnvKeyValueList(env, 'OTEL_RESOURCE_ATTRIBUTES', context.report) ?? {};
  const fromCode = options.resourceAttributes ?? {};
  const attributes: Record<string, ResourceAttributeValue> = { ...fromEnv, ...fromCode };
  const code = (key: string): [string, string | undefined] => [
    `resourceAttributes["${key}"]`,
    asString(fromCode[key]),
  ];
  const otel = (key: string): [string, string | undefined] => [
    `OTEL_RESOURCE_ATTRIBUTES (${key})`,
    fromEnv[key],
  ];
  const variable = (name: string): [string, string | undefined] => [name, readEnvString(env, name)];
  const path = (field: string) => `resource.${field}`;

  const serviceName = context.pick(
    path('serviceName'),
    [
      ['serviceName', options.serviceName],
      code('service.name'),
      variable('MLSYSOPS_SERVICE_NAME'),
      variable('OTEL_SERVICE_NAME'),
      otel('service.name'),
    ],
    // The semantic conventions' fallback: `unknown_service:` plus `process.executable.name`.
    `unknown_service:${basename(process.execPath)}`,
  );

  const layer =
    context.pickEnum<MlsysopsLayer>(
      path('layer'),
      [
        ['layer', options.layer],
        code('mlsysops.layer'),
        variable('MLSYSOPS_LAYER'),
        otel('mlsysops.layer'),
      ],
      ACCEPTED.layer,
    ) ?? 'node';

  const tier = context.pickEnum<ContinuumTier>(
    path('tier'),
    [
      ['tier', options.tier],
      code('mlsysops.continuum.tier'),
      variable('MLSYSOPS_CONTINUUM_TIER'),
      otel('mlsysops.continuum.tier'),
    ],
    ACCEPTED.tier,
  );

  let namespace = context.pickOptional(path('namespace'), [
    ['namespace', options.namespace],
    code('k8s.namespace.name'),
    variable('MLSYSOPS_NAMESPACE'),
    otel('k8s.namespace.name'),
    variable('OTEL_RESOURCE_ATTRIBUTES_NAMESPACE'),
    variable('POD_NAMESPACE'),
    variable('K8S_NAMESPACE'),
  ]);
  if (namespace === undefined) {
    namespace = readNamespaceFile(namespaceFile);
    if (namespace !== undefined) context.sources[path('namespace')] = namespaceFile;
  }

  return {
    serviceName,
    serviceVersion: context.pickOptional(path('serviceVersion'), [
      ['serviceVersion', options.serviceVersion],
      code('service.version'),
      variable('MLSYSOPS_SERVICE_VERSION'),
      otel('service.version'),
    ]),
    serviceInstanceId: context.pickOptional(path('serviceInstanceId'), [
      ['serviceInstanceId', options.serviceInstanceId],
      code('service.instance.id'),
      otel('service.instance.id'),
    ]),
    layer,
    tier,
    applicationId: context.pickOptional(path('applicationId'), [
      ['applicationId', options.applicationId],
      code('mlsysops.application.id'),
      variable('MLSYSOPS_APPLICATION_ID'),
      otel('mlsysops.application.id'),
    ]),
    componentName: context.pickOptional(path('componentName'), [
      ['componentName', options.componentName],
      code('mlsysops.component.name'),
      variable('MLSYSOPS_COMPONENT_NAME'),
      otel('mlsysops.component.name'),
    ]),
    nodeName: context.pickOptional(path('nodeName'), [
      ['nodeName', options.nodeName],
      code('k8s.node.name'),
      variable('MLSYSOPS_NODE_NAME'),
      otel('k8s.node.name'),
      variable('OTEL_RESOURCE_ATTRIBUTES_NODE_NAME'),
      variable('K8S_NODE_NAME'),
      variable('NODE_HOSTNAME'),
    ]),
    clusterName: context.pickOptional(path('clusterName'), [
      ['clusterName', options.clusterName],
      code('k8s.cluster.name'),
      variable('MLSYSOPS_CLUSTER_NAME'),
      otel('k8s.cluster.name'),
      variable('K8S_CLUSTER_NAME'),
    ]),
    namespace,
    podName: context.pickOptional(path('podName'), [
      ['podName', options.podName],
      code('k8s.pod.name'),
      variable('MLSYSOPS_POD_NAME'),
      otel('k8s.pod.name'),
      variable('OTEL_RESOURCE_ATTRIBUTES_POD_NAME'),
      variable('K8S_POD_NAME'),
      variable('POD_NAME'),
    ]),
    podUid: context.pickOptional(path('podUid'), [
      ['podUid', options.podUid],
      code('k8s.pod.uid'),
      otel('k8s.pod.uid'),
      variable('OTEL_RESOURCE_ATTRIBUTES_POD_UID'),
      variable('K8S_POD_UID'),
      variable('POD_UID'),
    ]),
    containerName: context.pickOptional(path('containerName'), [
      ['containerName', options.containerName],
      code('k8s.container.name'),
      otel('k8s.container.name'),
      // A bare CONTAINER_NAME is left out: container runtimes and sandboxes outside
      // Kubernetes set it to their own identifiers.
      variable('K8S_CONTAINER_NAME'),
    ]),
    deploymentEnvironment: context.pickOptional(path('deploymentEnvironment'), [
      ['deploymentEnvironment', options.deploymentEnvironment],
      code('deployment.environment.name'),
      variable('MLSYSOPS_DEPLOYMENT_ENVIRONMENT'),
      otel('deployment.environment.name'),
    ]),
    attributes,
  };
}
