/** `mlsysops.layer`: node, cluster or continuum. */
export const ATTR_MLSYSOPS_LAYER = 'mlsysops.layer';
/** `mlsysops.continuum.tier`: cloud, edge or far-edge. */
export const ATTR_MLSYSOPS_CONTINUUM_TIER = 'mlsysops.continuum.tier';
/** `mlsysops.application.id`: the MLSysOps application the component belongs to. */
export const ATTR_MLSYSOPS_APPLICATION_ID = 'mlsysops.application.id';
/** `mlsysops.component.name`: the component within the application. */
export const ATTR_MLSYSOPS_COMPONENT_NAME = 'mlsysops.component.name';

/** `service.name` (semantic conventions). */
export const ATTR_SERVICE_NAME = 'service.name';
/** `service.version` (semantic conventions). */
export const ATTR_SERVICE_VERSION = 'service.version';
/** `service.instance.id` (semantic conventions). */
export const ATTR_SERVICE_INSTANCE_ID = 'service.instance.id';
/** `k8s.node.name` (semantic conventions). */
export const ATTR_K8S_NODE_NAME = 'k8s.node.name';
/** `k8s.cluster.name` (semantic conventions). */
export const ATTR_K8S_CLUSTER_NAME = 'k8s.cluster.name';
/** `k8s.namespace.name` (semantic conventions). */
export const ATTR_K8S_NAMESPACE_NAME = 'k8s.namespace.name';
/** `k8s.pod.name` (semantic conventions). */
export const ATTR_K8S_POD_NAME = 'k8s.pod.name';
/** `k8s.pod.uid` (semantic conventions). */
export const ATTR_K8S_POD_UID = 'k8s.pod.uid';
/** `k8s.container.name` (semantic conventions). */
export const ATTR_K8S_CONTAINER_NAME = 'k8s.container.name';
/** `host.name` (semantic conventions). */
export const ATTR_HOST_NAME = 'host.name';
/** `host.arch` (semantic conventions). */
export const ATTR_HOST_ARCH = 'host.arch';
/** `deployment.environment.name` (semantic conventions). */
export const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = 'deployment.environment.name';
