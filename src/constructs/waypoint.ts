import { Construct } from 'constructs';
import { Gateway as GatewayApiGateway } from '../../imports/gatewayapi-gateway.networking.k8s.io';
import { Labels } from '../lib/labels';
import { isDnsLabel } from '../lib/names';
import { addCheck } from '../lib/validation';

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
}

/** Port of the HBONE listener every waypoint has. */
export const HBONE_PORT = 15008;

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

  constructor(scope: Construct, id: string, props: WaypointProps) {
    super(scope, id);
    this.name = props.name ?? 'waypoint';
    addCheck(this, () => [
      ...(isDnsLabel(this.name) && this.name !== 'none' ? [] : [{ field: 'name', value: this.name, message: "is not a valid waypoint name ('none' is reserved)", fix: "use a DNS label such as 'waypoint'" }]),
    ]);
    const labels: Record<string, string> = { [Labels.WAYPOINT_FOR]: 'service' };
    if (props.revision && props.revision !== 'default') labels[Labels.REVISION] = props.revision;
    this.resource = new GatewayApiGateway(this, 'Resource', {
      metadata: { name: this.name, namespace: props.namespace, labels },
      spec: {
        gatewayClassName: 'istio-waypoint',
        listeners: [{ name: 'mesh', port: HBONE_PORT, protocol: 'HBONE' }],
      },
    });
    this.node.defaultChild = this.resource;
  }
}
