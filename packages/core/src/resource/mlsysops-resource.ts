import { arch, hostname } from 'node:os';
import { basename } from 'node:path';
import type { AttributeValue } from '@opentelemetry/api';
import { defaultResource, type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import type { TelemetrySettings } from '../settings/types.js';
import {
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
} from './attribute-keys.js';
import { kubernetesServiceInstanceId, processServiceInstanceId } from './service-instance-id.js';

const RESOURCE_CACHE_KEY = Symbol.for('@mlsysops/telemetry-core/resources');

/** Maximum number of resources in the per-process cache; each distinct settings key adds one. */
const MAX_CACHED_RESOURCES = 32;

/** Node.js `os.arch()` names that differ from the `host.arch` values of the semantic conventions. */
const HOST_ARCH_NAMES: Readonly<Record<string, string>> = {
  x64: 'amd64',
  ia32: 'x86',
  arm: 'arm32',
  ppc: 'ppc32',
};

function hostArch(): string {
  const name = arch();
  return HOST_ARCH_NAMES[name] ?? name;
}

/**
 * Process attributes. `process.command_args` is left out because command lines often carry
 * tokens and the resource is sent to every backend.
 */
function processAttributes(): Record<string, AttributeValue> {
  return {
    'process.pid': process.pid,
    'process.executable.name': basename(process.execPath),
    'process.executable.path': process.execPath,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'process.runtime.description': 'Node.js',
  };
}

/**
 * Returns the attributes of the MLSysOps resource, lowest precedence first: SDK and process
 * and host detection, then `OTEL_RESOURCE_ATTRIBUTES` and `resourceAttributes` from code,
 * then the resolved named fields (which already applied their own precedence).
 */
export function mlsysopsResourceAttributes(
  settings: TelemetrySettings,
): Record<string, AttributeValue> {
  const resource = settings.resource;
  const attributes: Record<string, AttributeValue> = {
    ...(defaultResource().attributes as Record<string, AttributeValue>),
    ...processAttributes(),
    [ATTR_HOST_NAME]: hostname(),
    [ATTR_HOST_ARCH]: hostArch(),
    ...resource.attributes,
  };

  const serviceInstanceId =
    resource.serviceInstanceId ??
    kubernetesServiceInstanceId(resource.namespace, resource.podName, resource.containerName) ??
    processServiceInstanceId();

  const named: Record<string, string | undefined> = {
    [ATTR_SERVICE_NAME]: resource.serviceName,
    [ATTR_SERVICE_VERSION]: resource.serviceVersion,
    [ATTR_SERVICE_INSTANCE_ID]: serviceInstanceId,
    [ATTR_MLSYSOPS_LAYER]: resource.layer,
    [ATTR_MLSYSOPS_CONTINUUM_TIER]: resource.tier,
    [ATTR_MLSYSOPS_APPLICATION_ID]: resource.applicationId,
    [ATTR_MLSYSOPS_COMPONENT_NAME]: resource.componentName,
    [ATTR_K8S_NODE_NAME]: resource.nodeName,
    [ATTR_K8S_CLUSTER_NAME]: resource.clusterName,
    [ATTR_K8S_NAMESPACE_NAME]: resource.namespace,
    [ATTR_K8S_POD_NAME]: resource.podName,
    [ATTR_K8S_POD_UID]: resource.podUid,
    [ATTR_K8S_CONTAINER_NAME]: resource.containerName,
    [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: resource.deploymentEnvironment,
  };
  for (const [key, value] of Object.entries(named)) {
    if (value !== undefined) attributes[key] = value;
  }
  return attributes;
}

/**
 * Returns the MLSysOps `Resource` for `settings`. The result is cached per settings key on
 * `globalThis`, so every package (and every copy of this package) in the process that
 * resolves the same settings gets the same resource object.
 */
export function createMlsysopsResource(settings: TelemetrySettings): Resource {
  const store = globalThis as { [RESOURCE_CACHE_KEY]?: Map<string, Resource> };
  store[RESOURCE_CACHE_KEY] ??= new Map();
  const cache = store[RESOURCE_CACHE_KEY];

  const cached = cache.get(settings.key);
  if (cached !== undefined) return cached;

  const resource = resourceFromAttributes(mlsysopsResourceAttributes(settings));
  if (cache.size >= MAX_CACHED_RESOURCES) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(settings.key, resource);
  return resource;
}
