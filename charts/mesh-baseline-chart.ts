import { Construct } from 'constructs';
import { ResolvedEnvironment } from '../src/config/resolve-environment';
import { MeshPolicy } from '../src/constructs/mesh-policy';
import { ChartLayer, MeshChart } from '../src/lib/mesh-chart';

/** Mesh-wide policy in the Istio root namespace: the environment's mTLS mode. */
export class MeshBaselineChart extends MeshChart {
  public readonly meshPolicy: MeshPolicy;

  constructor(scope: Construct, id: string, props: { readonly env: ResolvedEnvironment }) {
    super(scope, id, { env: props.env, layer: ChartLayer.MESH });
    this.meshPolicy = new MeshPolicy(this, 'MeshPolicy', {
      rootNamespace: props.env.istio.rootNamespace,
      mtlsMode: props.env.istio.mtlsMode,
    });
  }
}
