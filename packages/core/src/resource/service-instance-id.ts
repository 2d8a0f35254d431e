import { createHash, randomUUID } from 'node:crypto';

/**
 * UUID namespace that the OpenTelemetry semantic conventions fix for `service.instance.id`
 * values derived from an inherent unique ID (attribute registry, `service.instance.id`).
 */
export const SERVICE_INSTANCE_ID_NAMESPACE = '4d63009a-8d0f-11ee-aad7-4c796ed8e320';

/** Returns the RFC 9562 version 5 (SHA-1, name-based) UUID of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string): string {
  const namespaceBytes = Buffer.from(namespace.replaceAll('-', ''), 'hex');
  if (namespaceBytes.length !== 16) {
    throw new RangeError(
      `UUID namespace ${JSON.stringify(namespace)} is invalid: expected 32 hex digits`,
    );
  }

  const hash = createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;

  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Derives `service.instance.id` in Kubernetes: the semantic conventions' Kubernetes page
 * names `<k8s.namespace.name>.<k8s.pod.name>.<k8s.container.name>` as the inherent ID, and
 * the attribute registry recommends a version 5 UUID of such an ID in
 * {@link SERVICE_INSTANCE_ID_NAMESPACE}. Returns undefined when namespace or pod is unknown.
 * Without a container name the ID is built from namespace and pod alone.
 */
export function kubernetesServiceInstanceId(
  namespace: string | undefined,
  podName: string | undefined,
  containerName: string | undefined,
): string | undefined {
  if (namespace === undefined || podName === undefined) return undefined;

  const parts =
    containerName === undefined ? [namespace, podName] : [namespace, podName, containerName];
  return uuidV5(parts.join('.'), SERVICE_INSTANCE_ID_NAMESPACE);
}

const PROCESS_INSTANCE_ID_KEY = Symbol.for('@mlsysops/telemetry-core/process-instance-id');

/**
 * Returns a random UUID that stays the same for the life of the process, shared through
 * `globalThis` so every copy of this package in the process returns the same value.
 */
export function processServiceInstanceId(): string {
  const store = globalThis as { [PROCESS_INSTANCE_ID_KEY]?: string };
  store[PROCESS_INSTANCE_ID_KEY] ??= randomUUID();
  return store[PROCESS_INSTANCE_ID_KEY];
}
