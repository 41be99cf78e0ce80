/**
 * The one Istio version of the platform.
 *
 * Every Istio chart (base, istiod, cni, ztunnel, gateway) and the default image tag take this
 * version, and `imports/` was generated from the CRDs of the same tag (see `cdk8s.yaml`), so the
 * schema check and the installed CRDs agree. There is deliberately no per-chart or per-environment
 * version field: a skew between istiod, the data plane and the CRDs cannot be written down.
 *
 * To upgrade, change this constant together with the Istio CRD URL in `cdk8s.yaml`, run
 * `npm run import`, and promote through the environments (lab first).
 *
 * @see https://istio.io/latest/docs/releases/supported-releases/
 */
export const ISTIO_VERSION = '1.30.3';

/** Helm repository of the Istio release charts. */
export const DEFAULT_ISTIO_CHART_REPOSITORY = 'https://istio-release.storage.googleapis.com/charts';

/** Registry of the Istio release images. */
export const DEFAULT_ISTIO_HUB = 'docker.io/istio';

/**
 * Extension providers every istiod defines without configuration (default MeshConfig).
 * A Telemetry may name these besides the providers the platform adds.
 */
export const BUILT_IN_TELEMETRY_PROVIDERS: readonly string[] = ['envoy', 'prometheus', 'stackdriver'];

/** The built-in access-log provider: Envoy's file log to the proxy's standard output. */
export const ACCESS_LOG_PROVIDER = 'envoy';
