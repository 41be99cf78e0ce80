import { albActionUnused } from './alb-action-unused';
import { ambientRouteNeedsWaypoint } from './ambient-route-needs-waypoint';
import { networkPolicyAlbTargets } from './network-policy-alb-targets';
import { networkPolicyWaypointEgress } from './network-policy-waypoint-egress';
import { serviceExposesMesh } from './service-exposes-mesh';
import { virtualServiceUnreachableRoute } from './virtual-service-unreachable-route';
import { albBackendGatewayOnly } from './alb-backend-gateway-only';
import { albHealthCheck } from './alb-health-check';
import { albHttpsBackend } from './alb-https-backend';
import { albSslPolicy } from './alb-ssl-policy';
import { albTargetType } from './alb-target-type';
import { ambientL7NeedsWaypoint } from './ambient-l7-needs-waypoint';
import { ambientNetworkPolicyHbone } from './ambient-network-policy-hbone';
import { ambientTelemetryNeedsWaypoint } from './ambient-telemetry-needs-waypoint';
import { callerNamespaceInMesh } from './caller-namespace-in-mesh';
import { destinationRuleTls } from './destination-rule-tls';
import { destinationRuleWildcardTls } from './destination-rule-wildcard-tls';
import { gatewayAlbServerHosts } from './gateway-alb-server-hosts';
import { gatewayCredentialCertificate } from './gateway-credential-certificate';
import { gatewayNamespaceInjection } from './gateway-namespace-injection';
import { gatewayPrincipalAllowed } from './gateway-principal-allowed';
import { ingressApiRemoved } from './ingress-api-removed';
import { injectionLabelValue } from './injection-label-value';
import { injectionLabelsExclusive } from './injection-labels-exclusive';
import { nameLength } from './name-length';
import { networkPolicyEgressAny } from './network-policy-egress-any';
import { noDenyAllNotPrincipals } from './no-deny-not-principals-wildcard';
import { noSecretData } from './no-secret-data';
import { noSidecarInAmbient } from './no-sidecar-in-ambient';
import { peerAuthenticationDisableInAmbient } from './peer-authentication-disable-ambient';
import { peerAuthenticationPortLevel } from './peer-authentication-port-level';
import { principalResolves } from './principal-resolves';
import { revisionInstalled } from './revision-installed';
import { sidecarDefaultUnique } from './sidecar-default-unique';
import { sidecarEgressNotEmpty } from './sidecar-egress-not-empty';
import { sidecarEgressWithoutRegistryOnly } from './sidecar-egress-without-registry-only';
import { sharedGatewayRouteNamespaces } from './shared-gateway-route-namespaces';
import { sidecarRegistryOnly } from './sidecar-registry-only';
import { telemetryProviderDefined } from './telemetry-provider-defined';
import { uniqueIdentity } from './unique-identity';
import { useWaypointExists } from './use-waypoint-exists';
import { MeshRule } from './types';

export * from './types';
export * from './engine';
export { buildContext, BUILT_IN_PROVIDERS } from './context';

/** Every rule, in report order of their families. */
export const ALL_RULES: readonly MeshRule[] = [
  ingressApiRemoved,
  albBackendGatewayOnly,
  albHttpsBackend,
  gatewayAlbServerHosts,
  sharedGatewayRouteNamespaces,
  albHealthCheck,
  albTargetType,
  albSslPolicy,
  albActionUnused,
  serviceExposesMesh,
  networkPolicyAlbTargets,
  gatewayCredentialCertificate,
  destinationRuleTls,
  destinationRuleWildcardTls,
  peerAuthenticationDisableInAmbient,
  peerAuthenticationPortLevel,
  ambientL7NeedsWaypoint,
  useWaypointExists,
  noSidecarInAmbient,
  ambientNetworkPolicyHbone,
  networkPolicyWaypointEgress,
  ambientRouteNeedsWaypoint,
  injectionLabelsExclusive,
  injectionLabelValue,
  gatewayNamespaceInjection,
  revisionInstalled,
  principalResolves,
  callerNamespaceInMesh,
  noDenyAllNotPrincipals,
  gatewayPrincipalAllowed,
  sidecarEgressNotEmpty,
  sidecarDefaultUnique,
  sidecarRegistryOnly,
  sidecarEgressWithoutRegistryOnly,
  networkPolicyEgressAny,
  telemetryProviderDefined,
  ambientTelemetryNeedsWaypoint,
  virtualServiceUnreachableRoute,
  noSecretData,
  nameLength,
  uniqueIdentity,
];
