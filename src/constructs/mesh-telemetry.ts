import { Construct } from 'constructs';
import { Telemetry, TelemetrySpec } from '../../imports/istio-telemetry.istio.io';
import { ACCESS_LOG_PROVIDER } from '../config/istio-version';
import { isDnsLabel } from '../core/names';
import { Problem } from '../core/problem';
import { addCheck } from './checks';
import { byCodePoint } from '../core/sort';
import { isPercentage, NOT_A_NAMESPACE, NOT_A_PERCENTAGE } from '../config/resolve/validators';

/**
 * What a namespace may change in the environment's telemetry (the `telemetry()` hook of a
 * namespace profile). Fields left out keep the environment's setting.
 */
export interface TelemetryOverrides {
  /**
   * Percentage of requests traced, 0 to 100.
   *
   * @default - the environment's sampling percentage
   */
  readonly samplingPercentage?: number;
  /**
   * Envoy access logs on or off.
   *
   * @default - the environment's setting
   */
  readonly accessLogging?: boolean;
  /**
   * Literal span tags added to the environment's (`cluster` and `environment` cannot be changed).
   *
   * @default - only the environment's tags
   */
  readonly customTags?: Readonly<Record<string, string>>;
}

/** Properties of a {@link MeshTelemetry}. */
export interface MeshTelemetryProps {
  /** Namespace; the Istio root namespace makes it mesh-wide. */
  readonly namespace: string;
  /**
   * Name of the Telemetry.
   *
   * @default 'default'
   */
  readonly name?: string;
  /** The tracing provider: a `meshConfig.extensionProviders` entry of istiod. */
  readonly tracingProvider: string;
  /** Percentage of requests traced, 0 to 100. */
  readonly samplingPercentage: number;
  /**
   * Literal span tags.
   *
   * @default - none
   */
  readonly customTags?: Readonly<Record<string, string>>;
  /**
   * Envoy access logs (the built-in `envoy` provider) on, or explicitly off.
   *
   * @default false
   */
  readonly accessLogging?: boolean;
  /**
   * Attach to this waypoint (a Gateway of class `istio-waypoint` in the same namespace) with
   * `targetRefs`. Ambient namespaces need it: ztunnel is L4 only and emits no spans or HTTP access
   * logs, so only the waypoint can trace, and a waypoint applies only Telemetry that targets it.
   *
   * @default - no target: the whole namespace (mesh-wide in the root namespace)
   */
  readonly waypoint?: string;
}

/**
 * A `telemetry.istio.io/v1` Telemetry: tracing to one named provider with a sampling percentage and
 * literal tags, and Envoy access logs on or off.
 *
 * The provider is always named (an empty provider list means every provider, which can report
 * spans twice), and the synth fails when no istiod defines it (the rule `telemetry-provider-defined`).
 *
 * @see https://istio.io/latest/docs/reference/config/telemetry/
 */
export class MeshTelemetry extends Construct {
  /** The raw Telemetry (the default child). */
  public readonly resource: Telemetry;

  constructor(scope: Construct, id: string, props: MeshTelemetryProps) {
    super(scope, id);
    const name = props.name ?? 'default';
    const tags = Object.entries(props.customTags ?? {}).sort(([a], [b]) => byCodePoint(a, b));
    addCheck(this, () => {
      const problems: Problem[] = [];
      if (!isDnsLabel(props.namespace))
        problems.push({ field: 'namespace', value: props.namespace, message: NOT_A_NAMESPACE, fix: 'use a DNS label' });
      if (!isDnsLabel(name)) problems.push({ field: 'name', value: name, message: 'is not a valid object name', fix: 'use a DNS label' });
      if (typeof props.tracingProvider !== 'string' || props.tracingProvider.length === 0) {
        problems.push({
          field: 'tracingProvider',
          value: props.tracingProvider,
          message: 'must name a provider (an empty list means every provider)',
          fix: "name the meshConfig extension provider, e.g. 'otel-tracing'",
        });
      }
      if (!isPercentage(props.samplingPercentage)) {
        problems.push({
          field: 'samplingPercentage',
          value: props.samplingPercentage,
          message: NOT_A_PERCENTAGE,
          fix: 'e.g. 1 for one request in a hundred',
        });
      }
      if (props.waypoint !== undefined && !isDnsLabel(props.waypoint))
        problems.push({
          field: 'waypoint',
          value: props.waypoint,
          message: 'is not a valid Gateway name',
          fix: 'name the waypoint of the namespace',
        });
      return problems;
    });
    const spec: TelemetrySpec = {
      ...(props.waypoint ? { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: props.waypoint }] } : {}),
      tracing: [
        {
          providers: [{ name: props.tracingProvider }],
          randomSamplingPercentage: props.samplingPercentage,
          ...(tags.length > 0 ? { customTags: Object.fromEntries(tags.map(([k, v]) => [k, { literal: { value: v } }])) } : {}),
        },
      ],
      accessLogging: [{ providers: [{ name: ACCESS_LOG_PROVIDER }], disabled: !(props.accessLogging ?? false) }],
    };
    this.resource = new Telemetry(this, 'Resource', { metadata: { name, namespace: props.namespace }, spec });
    this.node.defaultChild = this.resource;
  }
}
