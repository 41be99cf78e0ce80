import { albBackendGatewayOnly } from './alb-backend-gateway-only';
import { albHealthCheck } from './alb-health-check';
import { albHttpsBackend } from './alb-https-backend';
import { albSslPolicy } from './alb-ssl-policy';
import { albTargetType } from './alb-target-type';
import { ambientL7NeedsWaypoint, ambientNetworkPolicyHbone, noSidecarInAmbient, useWaypointExists } from './ambient';
import { gatewayPrincipalAllowed, noDenyAllNotPrincipals, principalResolves } from './authorization';
import { destinationRuleTls, destinationRuleWildcardTls } from './destination-rule-tls';
import { gatewayAlbServerHosts } from './gateway-alb-server-hosts';
import { gatewayCredentialCertificate } from './gateway-credential-certificate';
import { gatewayNamespaceInjection, injectionLabelsExclusive, injectionLabelValue, revisionInstalled } from './labels';
import { nameLength, noSecretData, uniqueIdentity } from './output';
import { peerAuthenticationDisableInAmbient, peerAuthenticationPortLevel } from './peer-authentication';
import { sidecarDefaultUnique, sidecarEgressNotEmpty, sidecarEgressWithoutRegistryOnly, sidecarRegistryOnly } from './sidecar';
import { ambientTelemetryNeedsWaypoint, telemetryProviderDefined } from './telemetry';
import { MeshRule } from './types';

export * from './types';
export * from './engine';
export { buildContext, BUILT_IN_PROVIDERS } from './context';

/** Every rule, in report order of their families. */
export const ALL_RULES: readonly MeshRule[] = [
  albBackendGatewayOnly, albHttpsBackend, gatewayAlbServerHosts, albHealthCheck, albTargetType, albSslPolicy,
  gatewayCredentialCertificate,
  destinationRuleTls, destinationRuleWildcardTls, peerAuthenticationDisableInAmbient, peerAuthenticationPortLevel,
  ambientL7NeedsWaypoint, useWaypointExists, noSidecarInAmbient, ambientNetworkPolicyHbone,
  injectionLabelsExclusive, injectionLabelValue, gatewayNamespaceInjection, revisionInstalled,
  principalResolves, noDenyAllNotPrincipals, gatewayPrincipalAllowed,
  sidecarEgressNotEmpty, sidecarDefaultUnique, sidecarRegistryOnly, sidecarEgressWithoutRegistryOnly,
  telemetryProviderDefined, ambientTelemetryNeedsWaypoint,
  noSecretData, nameLength, uniqueIdentity,
];
