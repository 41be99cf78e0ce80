/** The `ingressGateway` section: the shared ingress gateway's names, identity and pod labels. */
import { isDnsLabel, isDnsSubdomain, isLabelKey, isLabelValue, principalOf } from '../../core/names';
import { EnvironmentConfig } from '../environment-config';
import { ResolvedEnvironment } from './types';
import { checkNamespaceName, collector, Resolved, sortedRecord } from './validators';

/** Defaults of the `ingressGateway` section; some follow from the Service name. */
export const INGRESS_GATEWAY_DEFAULTS = {
  namespace: 'istio-system',
  serviceName: 'istio-ingressgateway',
  /** The gateway chart's ServiceAccount is the release (Service) name. */
  serviceAccount: (serviceName: string): string => serviceName,
  /** `istio: <Service name without istio->`, as the gateway chart labels its pods. */
  selectorLabels: (serviceName: string): Record<string, string> => ({ istio: serviceName.replace(/^istio-/, '') }),
  gatewayName: 'shared-gateway',
  tlsSecretName: (serviceName: string): string => `${serviceName}-tls`,
  plainHttpServer: false,
} as const;

/** What the `ingressGateway` section needs from the rest of the config. */
export interface IngressGatewayContext {
  readonly trustDomain: string;
  /** Enabled app-team namespaces, whose routes may bind to the gateway. */
  readonly namespaces: readonly string[];
}

/** Check the `ingressGateway` section and apply its defaults. */
export function resolveIngressGateway(
  raw: EnvironmentConfig['ingressGateway'],
  context: IngressGatewayContext,
): Resolved<ResolvedEnvironment['ingressGateway']> {
  const { problems, bad } = collector();
  const gw = raw ?? {};
  const namespace = gw.namespace ?? INGRESS_GATEWAY_DEFAULTS.namespace;
  const serviceName = gw.serviceName ?? INGRESS_GATEWAY_DEFAULTS.serviceName;
  const serviceAccount = gw.serviceAccount ?? INGRESS_GATEWAY_DEFAULTS.serviceAccount(serviceName);
  const selectorLabels = sortedRecord(gw.selectorLabels ?? INGRESS_GATEWAY_DEFAULTS.selectorLabels(serviceName));
  const gatewayName = gw.gatewayName ?? INGRESS_GATEWAY_DEFAULTS.gatewayName;
  const tlsSecretName = gw.tlsSecretName ?? INGRESS_GATEWAY_DEFAULTS.tlsSecretName(serviceName);
  checkNamespaceName(bad, 'ingressGateway.namespace', namespace, 'use the namespace the gateway Helm release is installed in');
  if (!isDnsLabel(serviceName))
    bad('ingressGateway.serviceName', serviceName, 'is not a valid Service name', 'use the gateway Helm release name, e.g. istio-ingressgateway');
  if (!isDnsSubdomain(serviceAccount))
    bad('ingressGateway.serviceAccount', serviceAccount, 'is not a valid ServiceAccount name', 'use the ServiceAccount of the gateway pods');
  if (serviceAccount === 'ztunnel') {
    bad(
      'ingressGateway.serviceAccount',
      serviceAccount,
      'names ztunnel, which never carries workload traffic',
      'use the ServiceAccount of the gateway pods (the Helm release name)',
    );
  }
  if (Object.keys(selectorLabels).length === 0) {
    bad(
      'ingressGateway.selectorLabels',
      selectorLabels,
      'must not be empty (an empty selector matches every gateway)',
      "give the gateway pods' labels, e.g. { istio: 'ingressgateway' }",
    );
  }
  for (const [key, value] of Object.entries(selectorLabels)) {
    if (!isLabelKey(key)) bad(`ingressGateway.selectorLabels['${key}']`, key, 'is not a valid label key', 'use a Kubernetes label key');
    if (!isLabelValue(value) || value === '')
      bad(`ingressGateway.selectorLabels['${key}']`, value, 'is not a valid label value', 'use a non-empty Kubernetes label value');
  }
  if (!isDnsLabel(gatewayName))
    bad('ingressGateway.gatewayName', gatewayName, 'is not a valid object name', 'use a DNS label such as shared-gateway');
  if (!isDnsSubdomain(tlsSecretName))
    bad('ingressGateway.tlsSecretName', tlsSecretName, 'is not a valid Secret name', 'use lowercase letters, digits, - and .');
  const legacyHosts = (gw as { readonly hosts?: unknown }).hosts;
  if (legacyHosts !== undefined) {
    bad(
      'ingressGateway.hosts',
      legacyHosts,
      'is no longer a setting: the gateway binds routes of the enabled namespaces only (<namespace>/*)',
      'remove the field; enable a namespace to let its routes bind, and route by host with AppRoute',
    );
  }

  return {
    problems,
    value: {
      namespace,
      serviceName,
      serviceAccount,
      selectorLabels,
      gatewayName,
      tlsSecretName,
      hosts: gatewayHosts(namespace, context.namespaces),
      plainHttpServer: gw.plainHttpServer ?? INGRESS_GATEWAY_DEFAULTS.plainHttpServer,
      principal: principalOf(context.trustDomain, namespace, serviceAccount),
      gatewayRef: `${namespace}/${gatewayName}`,
    },
  };
}

/** `<namespace>/*` for each enabled namespace, sorted; the gateway's own namespace when none is. */
function gatewayHosts(gatewayNamespace: string, namespaces: readonly string[]): string[] {
  if (namespaces.length === 0) return [`${gatewayNamespace}/*`];
  return namespaces.map(ns => `${ns}/*`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
