import { Construct } from 'constructs';
import { ResolvedEnvironment } from '../config/resolve-environment';
import { MeshPeerAuthentication } from '../constructs/mesh-policy';
import { MeshTelemetry } from '../constructs/mesh-telemetry';
import { ChartLayer, MeshChart } from '../constructs/mesh-chart';

/**
 * Mesh-wide policy and telemetry in the Istio root namespace: the environment's mTLS mode, and
 * tracing to the environment's OpenTelemetry provider with its sampling rate, the cluster and
 * environment as span tags, and access logs on or off.
 */
export class MeshBaselineChart extends MeshChart {
  public readonly peerAuthentication: MeshPeerAuthentication;
  public readonly telemetry: MeshTelemetry;

  constructor(scope: Construct, id: string, props: { readonly env: ResolvedEnvironment }) {
    super(scope, id, { env: props.env, layer: ChartLayer.MESH });
    // The construct id stays 'MeshPolicy': it is part of the objects' construct paths.
    this.peerAuthentication = new MeshPeerAuthentication(this, 'MeshPolicy', {
      rootNamespace: props.env.istio.rootNamespace,
      mtlsMode: props.env.istio.mtlsMode,
    });
    const telemetry = props.env.telemetry;
    this.telemetry = new MeshTelemetry(this, 'Telemetry', {
      namespace: props.env.istio.rootNamespace,
      name: 'mesh-default',
      tracingProvider: telemetry.tracingProvider,
      samplingPercentage: telemetry.samplingPercentage,
      customTags: telemetry.customTags,
      accessLogging: telemetry.accessLogging,
    });
  }
}
