import { Construct } from 'constructs';
import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyRotationPolicy,
  Issuer,
} from '../../imports/certmanager-cert-manager.io';
import { isDnsLabel, isDnsSubdomain, isDomainName } from '../core/names';
import { Problem } from '../core/problem';
import { addCheck } from './checks';
import { byCodePoint } from '../core/sort';
import { NOT_A_NAMESPACE } from '../config/resolve/validators';

/** Properties of a {@link GatewayCertificate}. */
export interface GatewayCertificateProps {
  /** Namespace of the gateway Deployment: the gateway only reads Secrets from its own namespace. */
  readonly namespace: string;
  /** Secret cert-manager writes; the shared gateway's `credentialName` must equal it. */
  readonly secretName: string;
  /** DNS names the certificate carries (the ALB does not check them, but cert-manager needs one). */
  readonly dnsNames: readonly string[];
  /**
   * Name of the Certificate; the self-signed Issuer is `<name>-selfsigned`.
   *
   * @default - the secret name
   */
  readonly name?: string;
  /**
   * Subject organization. A self-signed certificate needs a subject, or its issuer DN is empty.
   *
   * @default 'eks-istio-mesh'
   */
  readonly organization?: string;
}

/** Validity of the certificate: 90 days. */
export const GATEWAY_CERTIFICATE_DURATION = '2160h';
/** Renewal starts 30 days before expiry. */
export const GATEWAY_CERTIFICATE_RENEW_BEFORE = '720h';

/**
 * The TLS certificate the ingress gateway presents to the ALB (the ALB -> gateway hop).
 *
 * Defines a cert-manager self-signed `Issuer` and a `Certificate` in the gateway's namespace:
 * ECDSA P-256 (the ALB supports it for backends; it rejects Ed25519), valid 90 days, renewed 30
 * days before expiry, a new key at every renewal. No Secret is emitted: cert-manager writes it.
 *
 * @see https://cert-manager.io/docs/configuration/selfsigned/
 */
export class GatewayCertificate extends Construct {
  /** The Secret the gateway reads (`credentialName`). */
  public readonly secretName: string;
  /** Namespace of the Certificate, Issuer and Secret. */
  public readonly namespace: string;
  /** The raw cert-manager Issuer. */
  public readonly issuer: Issuer;
  /** The raw cert-manager Certificate (the default child). */
  public readonly resource: Certificate;

  constructor(scope: Construct, id: string, props: GatewayCertificateProps) {
    super(scope, id);
    this.secretName = props.secretName;
    this.namespace = props.namespace;
    const name = props.name ?? props.secretName;
    const dnsNames = [...new Set(props.dnsNames)].sort(byCodePoint);

    addCheck(this, () => {
      const problems: Problem[] = [];
      if (!isDnsLabel(props.namespace))
        problems.push({ field: 'namespace', value: props.namespace, message: NOT_A_NAMESPACE, fix: "use the gateway Deployment's namespace" });
      if (!isDnsSubdomain(props.secretName))
        problems.push({
          field: 'secretName',
          value: props.secretName,
          message: 'is not a valid Secret name',
          fix: 'use lowercase letters, digits, - and .',
        });
      if (!isDnsSubdomain(name) || name.length > 52)
        problems.push({
          field: 'name',
          value: name,
          message: 'is not a valid Certificate name of at most 52 characters (the Issuer adds -selfsigned)',
          fix: 'use a shorter name',
        });
      if (dnsNames.length === 0)
        problems.push({ field: 'dnsNames', value: props.dnsNames, message: 'must not be empty', fix: "pass the environment's domains" });
      dnsNames
        .filter(d => !isDomainName(d, true))
        .forEach(d =>
          problems.push({
            field: 'dnsNames',
            value: d,
            message: 'is not a valid DNS name',
            fix: 'use a name such as apps.example.com or *.apps.example.com',
          }),
        );
      return problems;
    });

    this.issuer = new Issuer(this, 'Issuer', {
      metadata: { name: `${name}-selfsigned`, namespace: props.namespace },
      spec: { selfSigned: {} },
    });
    this.resource = new Certificate(this, 'Resource', {
      metadata: { name, namespace: props.namespace },
      spec: {
        secretName: props.secretName,
        dnsNames,
        duration: GATEWAY_CERTIFICATE_DURATION,
        renewBefore: GATEWAY_CERTIFICATE_RENEW_BEFORE,
        subject: { organizations: [props.organization ?? 'eks-istio-mesh'] },
        privateKey: {
          algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA,
          size: 256,
          rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
        },
        issuerRef: { group: 'cert-manager.io', kind: 'Issuer', name: `${name}-selfsigned` },
      },
    });
    this.node.defaultChild = this.resource;
  }
}
