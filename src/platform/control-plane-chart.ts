import { Construct } from 'constructs';
import { ResolvedEnvironment } from '../config/resolve-environment';
import { EncryptedStorageClass } from '../constructs/encrypted-storage-class';
import { CONTROL_PLANE_STAGE, FLUX_STAGE_LABEL } from '../constructs/flux-kustomizations';
import { gatewayNamespaceLabels, IngressGatewayRelease } from '../constructs/ingress-gateway-release';
import { IstioInstall } from '../constructs/istio-install';
import { ChartLayer, MeshChart } from '../constructs/mesh-chart';

/**
 * The Istio ambient install and the ingress gateway, first in apply order: Flux Helm releases from
 * one repository at one version, and the encrypted StorageClass when the environment asks for one.
 */
export class ControlPlaneChart extends MeshChart {
  public readonly istio: IstioInstall;
  public readonly gateway: IngressGatewayRelease;
  public readonly storageClass?: EncryptedStorageClass;

  constructor(scope: Construct, id: string, props: { readonly env: ResolvedEnvironment }) {
    super(scope, id, { env: props.env, layer: ChartLayer.CONTROL_PLANE, labels: { [FLUX_STAGE_LABEL]: CONTROL_PLANE_STAGE } });
    const { env } = props;
    this.istio = new IstioInstall(this, 'Istio', {
      namespace: env.istio.rootNamespace,
      revision: env.istio.revision,
      revisions: env.istio.installedRevisions,
      trustDomain: env.istio.trustDomain,
      hub: env.istio.hub,
      tag: env.istio.tag,
      chartRepository: env.istio.chartRepository,
      interval: env.flux.interval,
      tracing: { name: env.telemetry.tracingProvider, collectorHost: env.telemetry.collectorHost, collectorPort: env.telemetry.collectorPort },
      accessLogging: env.telemetry.accessLogging,
      availability: env.availability.replicas,
      // The gateway's Namespace is the root Namespace when it runs there.
      ...(env.ingressGateway.namespace === env.istio.rootNamespace ? { namespaceLabels: gatewayNamespaceLabels() } : {}),
    });
    this.gateway = new IngressGatewayRelease(this, 'IngressGateway', {
      install: this.istio,
      namespace: env.ingressGateway.namespace,
      releaseName: env.ingressGateway.serviceName,
      serviceAccount: env.ingressGateway.serviceAccount,
      podLabels: env.ingressGateway.selectorLabels,
      availability: env.availability.replicas,
    });
    if (env.encryptedStorage) {
      this.storageClass = new EncryptedStorageClass(this, 'StorageClass', {
        kmsKeyArn: env.encryptedStorage.kmsKeyArn,
        name: env.encryptedStorage.name,
        isDefault: env.encryptedStorage.isDefault,
      });
    }
  }
}
