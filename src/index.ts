export * from './config/environment-config';
export * from './config/resolve-environment';
export * from './config/ssl-policies';
export * from './constructs/alb-ingress';
export * from './constructs/alb-ingress-class';
export * from './constructs/gateway-network-policy';
export * from './constructs/service-account-guard';
export * from './constructs/app-route';
export * from './constructs/gateway-certificate';
export * from './constructs/mesh-policy';
import { MeshPeerAuthentication, MeshPeerAuthenticationProps } from './constructs/mesh-policy';
/** @deprecated renamed {@link MeshPeerAuthentication} (it builds the mesh-wide PeerAuthentication); this alias goes in the next version. */
export const MeshPolicy = MeshPeerAuthentication;
/** @deprecated renamed {@link MeshPeerAuthentication}; this alias goes in the next version. */
export type MeshPolicy = MeshPeerAuthentication;
/** @deprecated renamed {@link MeshPeerAuthenticationProps}; this alias goes in the next version. */
export type MeshPolicyProps = MeshPeerAuthenticationProps;
export * from './constructs/shared-gateway';
export * from './core/labels';
export * from './constructs/mesh-chart';
export * from './core/names';
export * from './constructs/layout';
export * from './synth/output';
export * from './checks/schema';
export * from './synth/synthesize';
export * from './synth/types';
export * from './synth/render';
export * from './synth/files';
export * from './synth/committed-states';
export * from './core/problem';
export * from './core/manifest';
export * from './constructs/checks';
export * from './core/http-paths';
export { setRelaunch, Relaunch } from './core/parallel';
export * from './cli/synth-command';
export * from './constructs/waypoint';
export * from './constructs/namespace-network-policies';
export * from './profiles/namespace-authorization';
export * from './profiles/types';
export * from './profiles/namespace-profile';
export * from './profiles/ambient-namespace-profile';
export * from './profiles/sidecar-namespace-profile';
export * from './config/istio-version';
export * from './constructs/istio-install';
export * from './constructs/ingress-gateway-release';
export * from './constructs/mesh-telemetry';
export * from './constructs/flux-kustomizations';
export * from './constructs/flux-prune';
export * from './constructs/encrypted-storage-class';
export * from './cli/check-command';
export * from './checks/rules';
export * from './report/mesh-report';
export * from './diff/semantic-diff';
export * from './diff/classify';
export * from './diff/render';
export * from './diff/migration-steps';
export * from './cli/diff-command';
export * from './checks/migration/state';
export * from './checks/migration/gates';
export * from './checks/migration/plan';
export * from './cli/plan-command';
export * from './platform/index';
export * from './constructs/direct-synth';
export * from './cli/platform-definition';
export * from './cli/platform-module';
export * from './cli/cache-dir';
export * from './checks/flows/types';
export { deriveIntent, profileViews, OUTSIDE_NAMESPACE, INTRUDER, PLAINTEXT_CLIENT, UNDECLARED_HOST } from './checks/flows/intent';
export type { FlowIntent, FlowObject, ProfileView } from './checks/flows/intent';
export {
  flowStatuses,
  formatMismatch,
  mismatches,
  objectsYaml,
  flowsJson,
  parseDecisions,
  readRecorded,
  recordedText,
  recordFlows,
} from './checks/flows/record';
export type { FlowStatus } from './checks/flows/record';
export { runEngine } from './checks/flows/engine';
export type { EngineRun } from './checks/flows/engine';
export * from './cli/flows-command';
