import { Construct } from 'constructs';
import { ResolvedEnvironment } from '../config/resolve-environment';
import { MeshPolicy } from '../constructs/mesh-policy';
import { MeshTelemetry } from '../constructs/mesh-telemetry';
import { ChartLayer, MeshChart } from '../lib/mesh-chart';

/**
 * Mesh-wide policy and telemetry in the Istio root namespace: the environment's mTLS mode, and
 * tracing to the environment's OpenTelemetry provider with its sampling rate, the cluster and
 * environment as span tags, and access logs on or off.
 */
export class MeshBaselineChart extends MeshChart {
  public readonly meshPolicy: MeshPolicy;
  public readonly telemetry: MeshTelemetry;

  constructor(scope: Construct, id: string, props: { readonly env: ResolvedEnvironment }) {
    super(scope, id, { env: props.env, layer: ChartLayer.MESH });
    this.meshPolicy = new MeshPolicy(this, 'MeshPolicy', {
      rootNamespace: props.env.istio.rootNamespace,
      mtlsMode: props.env.istio.mtlsMode,
    });
    const tel = props.env.telemetry;
    this.telemetry = new MeshTelemetry(this, 'Telemetry', {
      namespace: props.env.istio.rootNamespace,
      name: 'mesh-default',
      tracingProvider: tel.tracingProvider,
      samplingPercentage: tel.samplingPercentage,
      customTags: tel.customTags,
      accessLogging: tel.accessLogging,
    });
  }
}
