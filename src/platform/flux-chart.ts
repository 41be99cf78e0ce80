import { Construct } from 'constructs';
import { ResolvedEnvironment } from '../config/resolve-environment';
import { FluxKustomizations } from '../constructs/flux-kustomizations';
import { NamespaceShards } from '../constructs/layout';
import { ChartLayer, MeshChart } from '../constructs/mesh-chart';

/**
 * The Flux Kustomizations that apply an environment's `dist/<env>/`, written to
 * `dist/flux/<env>/` for the cluster's bootstrap folder to include: one per folder of
 * `dist/<env>/` (control plane, config, each shard of app-team namespaces).
 */
export class FluxChart extends MeshChart {
  public readonly kustomizations: FluxKustomizations;

  constructor(scope: Construct, id: string, props: { readonly env: ResolvedEnvironment }) {
    super(scope, id, { env: props.env, layer: ChartLayer.CONTROL_PLANE });
    const { flux } = props.env;
    this.kustomizations = new FluxKustomizations(this, 'Kustomizations', {
      path: flux.path,
      // The same shards the synth writes the namespaces' files into.
      namespaceFolders: NamespaceShards.ofEnvironment(props.env).folders,
      namespace: flux.namespace,
      sourceName: flux.sourceName,
      dependsOn: flux.dependsOn,
      prefix: flux.kustomizationPrefix,
      interval: flux.interval,
    });
  }
}
