import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { Gateway as GatewayApiGateway } from '../../imports/gatewayapi-gateway.networking.k8s.io';
import { checkReplicaPolicy, isHighlyAvailable, ReplicaPolicy, spreadConstraints } from '../config/availability';
import { Labels } from '../core/labels';
import { isDnsLabel } from '../core/names';
import { addCheck } from './checks';

/** Properties of a {@link Waypoint}. */
export interface WaypointProps {
  /** Namespace the waypoint serves. */
  readonly namespace: string;
  /**
   * Name of the Gateway; its pods run as a ServiceAccount of the same name.
   *
   * @default 'waypoint'
   */
  readonly name?: string;
  /**
   * istiod revision managing the waypoint.
   *
   * @default - the default revision (no `istio.io/rev` label)
   */
  readonly revision?: string;
  /**
   * Waypoint pods, written into a ConfigMap the Gateway names in `spec.infrastructure.parametersRef`:
   * istiod's gateway deployment controller applies its keys as strategic merge patches to the
   * objects it renders (`deployment`, `podDisruptionBudget`, `horizontalPodAutoscaler`; the last
   * two exist only when a key asks for them). Two pods or more get a PDB and zone spreading; with
   * `maxReplicas` an HPA (needs metrics-server) owns the replica count instead of the Deployment.
   *
   * @default { replicas: 2 } (fixed, no HPA)
   */
  readonly availability?: ReplicaPolicy;
}

/** Port of the HBONE listener every waypoint has. */
export const HBONE_PORT = 15008;

/** Label istiod puts on every pod of a Gateway it deploys (and the PDB it renders selects). */
const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** Overlays already written, by their JSON: most waypoints of a platform share the same few. */
const overlays = new Map<string, string>();

/** YAML of one overlay, keys sorted. */
function overlay(value: Record<string, unknown>): string {
  const key = JSON.stringify(value);
  let text = overlays.get(key);
  if (text === undefined) {
    text = stringify(value, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false });
    overlays.set(key, text);
  }
  return text;
}

/**
 * The data of a waypoint's parametersRef ConfigMap. The keys are the overlays istiod accepts
 * (`pilot/pkg/config/kube/gateway/deploymentcontroller.go`, `supportedOverlays`; any other key makes
 * it render nothing for the Gateway).
 */
export function waypointInfrastructure(name: string, policy: ReplicaPolicy): Record<string, string> {
  const hpa = policy.maxReplicas !== undefined;
  const data: Record<string, string> = {
    deployment: overlay({
      spec: {
        // With an HPA the autoscaler owns spec.replicas; istiod applies server-side with force.
        ...(hpa ? {} : { replicas: policy.replicas }),
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        ...(isHighlyAvailable(policy)
          ? { template: { spec: { topologySpreadConstraints: spreadConstraints({ [GATEWAY_NAME_LABEL]: name }) } } }
          : {}),
      },
    }),
  };
  if (isHighlyAvailable(policy)) data.podDisruptionBudget = overlay({ spec: { maxUnavailable: 1 } });
  if (hpa) {
    data.horizontalPodAutoscaler = overlay({
      spec: {
        minReplicas: policy.replicas,
        maxReplicas: policy.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
      },
    });
  }
  return data;
}

/**
 * An ambient waypoint proxy: a Gateway API Gateway of class `istio-waypoint` with one HBONE
 * listener, handling traffic addressed to the namespace's Services.
 *
 * A namespace uses it through the `istio.io/use-waypoint` label, which the profile sets.
 *
 * @see https://istio.io/latest/docs/ambient/usage/waypoint/
 */
export class Waypoint extends Construct {
  /** Gateway name (also its ServiceAccount). */
  public readonly name: string;
  /** The raw Gateway (the default child). */
  public readonly resource: GatewayApiGateway;
  /** The ConfigMap of the waypoint's Deployment, PDB and HPA overlays. */
  public readonly infrastructure: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: WaypointProps) {
    super(scope, id);
    this.name = props.name ?? 'waypoint';
    addCheck(this, () => [
      ...(isDnsLabel(this.name) && this.name !== 'none'
        ? []
        : [
            {
              field: 'name',
              value: this.name,
              message: "is not a valid waypoint name ('none' is reserved)",
              fix: "use a DNS label such as 'waypoint'",
            },
          ]),
    ]);
    const availability = props.availability ?? { replicas: 2 };
    addCheck(this, () => checkReplicaPolicy('availability', availability));
    const labels: Record<string, string> = { [Labels.WAYPOINT_FOR]: 'service' };
    if (props.revision && props.revision !== 'default') labels[Labels.REVISION] = props.revision;
    // The ConfigMap must be in the Gateway's namespace: istiod looks the name up there.
    this.infrastructure = new k8s.KubeConfigMap(this, 'Infrastructure', {
      metadata: { name: `${this.name}-infrastructure`, namespace: props.namespace },
      data: waypointInfrastructure(this.name, availability),
    });
    this.resource = new GatewayApiGateway(this, 'Resource', {
      metadata: { name: this.name, namespace: props.namespace, labels },
      spec: {
        gatewayClassName: 'istio-waypoint',
        infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: this.infrastructure.name } },
        listeners: [{ name: 'mesh', port: HBONE_PORT, protocol: 'HBONE' }],
      },
    });
    this.node.defaultChild = this.resource;
  }
}
