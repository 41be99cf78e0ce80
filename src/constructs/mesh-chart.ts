import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ResolvedEnvironment } from '../config/resolve-environment';
import { Labels, MANAGED_BY_VALUE } from '../core/labels';
import { isDnsLabel } from '../core/names';
import { addCheck } from './checks';
import { refuseDirectSynth } from './direct-synth';

/**
 * Where a chart's file sits in an environment's apply order. The number is the file-name prefix,
 * so adding a chart never renames the files of other layers.
 */
export enum ChartLayer {
  /** The Istio install and other controllers (CRDs first). */
  CONTROL_PLANE = 10,
  /** Mesh-wide policy and telemetry in the root namespace. */
  MESH = 20,
  /** The shared ingress path: certificate, gateway, ALB. */
  INGRESS = 30,
  /** App teams' namespaces. */
  NAMESPACES = 40,
}

/** Properties of a {@link MeshChart}. */
export interface MeshChartProps {
  /** The environment this chart belongs to. */
  readonly env: ResolvedEnvironment;
  /** Apply-order layer. */
  readonly layer: ChartLayer;
  /**
   * File name stem, a DNS label; the file is `<layer>-<fileName>.yaml`.
   *
   * @default - the construct id
   */
  readonly fileName?: string;
  /**
   * Labels added to every object of the chart, besides the standard ones.
   *
   * @default - only the standard labels
   */
  readonly labels?: Readonly<Record<string, string>>;
}

const MESH_CHART = Symbol.for('eks-istio-mesh.MeshChart');

/**
 * A chart that becomes one file of `dist/<env>/`.
 *
 * It labels every object with the standard set (managed-by, part-of, environment), never adds
 * hashes to generated names, and knows its file name and layer.
 */
export class MeshChart extends Chart {
  /** True when `x` is a MeshChart (works across copies of the library). */
  public static isMeshChart(x: unknown): x is MeshChart {
    return typeof x === 'object' && x !== null && MESH_CHART in x;
  }

  /** The environment this chart belongs to. */
  public readonly env: ResolvedEnvironment;
  /** Apply-order layer. */
  public readonly layer: ChartLayer;
  /** File name in `dist/<env>/`, with its order prefix. */
  public readonly fileName: string;

  constructor(scope: Construct, id: string, props: MeshChartProps) {
    super(scope, id, {
      disableResourceNameHashes: true,
      labels: {
        [Labels.MANAGED_BY]: MANAGED_BY_VALUE,
        [Labels.PART_OF]: MANAGED_BY_VALUE,
        [Labels.ENVIRONMENT]: props.env.name,
        ...(props.labels ?? {}),
      },
    });
    Object.defineProperty(this, MESH_CHART, { value: true });
    this.env = props.env;
    this.layer = props.layer;
    const stem = props.fileName ?? id;
    this.fileName = `${props.layer}-${stem}.yaml`;
    refuseDirectSynth(this);
    addCheck(this, () =>
      isDnsLabel(stem)
        ? []
        : [{ field: 'fileName', value: stem, message: 'is not a DNS label', fix: 'name the chart with lowercase letters, digits and -' }],
    );
  }
}
