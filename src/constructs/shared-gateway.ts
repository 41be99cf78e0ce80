import { Construct } from 'constructs';
import { Gateway as IstioGateway, GatewaySpecServersTlsMinProtocolVersion, GatewaySpecServersTlsMode } from '../../imports/istio-networking.istio.io';
import { isDnsLabel, isDnsSubdomain, isLabelKey, isLabelValue } from '../core/names';
import { Problem } from '../core/problem';
import { addCheck } from './checks';
import { NOT_A_NAMESPACE } from '../config/resolve/validators';

/** Properties of a {@link SharedGateway}. */
export interface SharedGatewayProps {
  /** Namespace of the gateway Deployment (where the TLS Secret lives). */
  readonly namespace: string;
  /**
   * Name of the Gateway; routes bind to `<namespace>/<name>`.
   *
   * @default 'shared-gateway'
   */
  readonly name?: string;
  /** Labels of the gateway pods this Gateway configures. */
  readonly selector: Readonly<Record<string, string>>;
  /** Secret holding the certificate and key (`tls.crt`/`tls.key`), in the same namespace. */
  readonly credentialName: string;
  /**
   * Hosts of the servers, each `<namespace>/*`: only VirtualServices of those namespaces bind to
   * the Gateway, and every host name matches. A host name (`shop.example.com`) is refused: the ALB
   * sends no SNI to its targets, so a server bound to it never matches. `*` and `*\/*` are refused:
   * they let a VirtualService of any namespace publish through the gateway.
   *
   * @default - `<namespace>/*`: only VirtualServices of the gateway's own namespace bind
   */
  readonly hosts?: readonly string[];
  /**
   * Also serve plain HTTP on port 80.
   *
   * @default false
   */
  readonly plainHttpServer?: boolean;
}

/** `<namespace>/*`: every host, for VirtualServices of one namespace. */
const NAMESPACE_HOST = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/\*$/;

/** The port of the gateway Service the ALB targets. */
export const GATEWAY_HTTPS_PORT = 443;

/**
 * The shared ingress Gateway behind the ALB.
 *
 * One HTTPS server on 443 with TLS SIMPLE and the cert-manager Secret as `credentialName`, with
 * hosts `<namespace>/*` for the namespaces whose VirtualServices may bind. Istio drops the
 * namespace part before it builds the SNI match (`GetSNIHostsForServer`, pilot/pkg/model/gateway.go),
 * so the server still matches the ALB's SNI-less connections, while a VirtualService binds only
 * when its namespace is listed (`pickMatchingGatewayHosts`, pilot/pkg/networking/core/gateway.go).
 * Routing by host happens in VirtualServices ({@link AppRoute}).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/
 */
export class SharedGateway extends Construct {
  /** `<namespace>/<name>`, as a VirtualService's `gateways` field names this Gateway. */
  public readonly ref: string;
  /** Name of the Gateway object. */
  public readonly name: string;
  /** Namespace of the Gateway object. */
  public readonly namespace: string;
  /** The raw Istio Gateway (the default child). */
  public readonly resource: IstioGateway;

  constructor(scope: Construct, id: string, props: SharedGatewayProps) {
    super(scope, id);
    this.name = props.name ?? 'shared-gateway';
    this.namespace = props.namespace;
    this.ref = `${props.namespace}/${this.name}`;
    const hosts = [...new Set(props.hosts ?? [`${props.namespace}/*`])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

    addCheck(this, () => {
      const problems: Problem[] = [];
      if (hosts.length === 0)
        problems.push({
          field: 'hosts',
          value: props.hosts,
          message: 'must list at least one <namespace>/* host (Istio refuses a server without hosts)',
          fix: `remove 'hosts' (only ${props.namespace} binds), or list the namespaces whose routes bind`,
        });
      for (const host of hosts) {
        if (host === '*' || host.startsWith('*/')) {
          problems.push({
            field: 'hosts',
            value: host,
            message: 'lets a VirtualService of any namespace bind to the shared gateway',
            fix: "list '<namespace>/*' for each namespace whose routes bind",
          });
        } else if (!NAMESPACE_HOST.test(host)) {
          problems.push({
            field: 'hosts',
            value: host,
            message: "must be '<namespace>/*': the ALB sends no SNI to its targets, so a server bound to host names never matches",
            fix: "use '<namespace>/*' and route by host in an AppRoute",
          });
        }
      }
      if (!isDnsLabel(this.name))
        problems.push({ field: 'name', value: this.name, message: 'is not a valid object name', fix: 'use a DNS label such as shared-gateway' });
      if (!isDnsLabel(props.namespace))
        problems.push({ field: 'namespace', value: props.namespace, message: NOT_A_NAMESPACE, fix: "use the gateway Deployment's namespace" });
      if (!isDnsSubdomain(props.credentialName))
        problems.push({
          field: 'credentialName',
          value: props.credentialName,
          message: 'is not a valid Secret name',
          fix: "use the GatewayCertificate's secretName",
        });
      const selector = Object.entries(props.selector);
      if (selector.length === 0)
        problems.push({
          field: 'selector',
          value: props.selector,
          message: 'must not be empty (it would configure every gateway)',
          fix: "give the gateway pods' labels, e.g. { istio: 'ingressgateway' }",
        });
      selector
        .filter(([k, v]) => !isLabelKey(k) || !isLabelValue(v))
        .forEach(([k, v]) =>
          problems.push({ field: `selector['${k}']`, value: v, message: 'is not a valid label', fix: 'use Kubernetes label keys and values' }),
        );
      return problems;
    });

    const servers = [
      {
        name: 'https',
        port: { number: GATEWAY_HTTPS_PORT, name: 'https', protocol: 'HTTPS' },
        hosts: [...hosts],
        tls: {
          mode: GatewaySpecServersTlsMode.SIMPLE,
          credentialName: props.credentialName,
          minProtocolVersion: GatewaySpecServersTlsMinProtocolVersion.TLSV1_UNDERSCORE_2,
        },
      },
    ];
    if (props.plainHttpServer ?? false) {
      servers.push({ name: 'http', port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [...hosts] } as (typeof servers)[number]);
    }
    this.resource = new IstioGateway(this, 'Resource', {
      metadata: { name: this.name, namespace: props.namespace },
      spec: { selector: { ...props.selector }, servers },
    });
    this.node.defaultChild = this.resource;
  }
}
