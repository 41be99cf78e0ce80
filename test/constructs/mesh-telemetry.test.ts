import { describe, expect, it } from 'vitest';
import { MeshTelemetry, MeshTelemetryProps } from '../../src';
import { only, synthConstructs, synthProblems } from '../util';

function telemetry(props: Partial<MeshTelemetryProps> = {}) {
  return only(
    synthConstructs(
      scope => new MeshTelemetry(scope, 'Telemetry', { namespace: 'istio-system', tracingProvider: 'otel-tracing', samplingPercentage: 5, ...props }),
    ),
    'Telemetry',
  );
}

describe('MeshTelemetry', () => {
  it('traces to the named provider with the sampling rate and sorted literal tags; access logs off by default', () => {
    // WHEN
    const t = telemetry({ name: 'mesh-default', customTags: { environment: 'prod', cluster: 'mesh-prod' } });
    // THEN
    expect(t.apiVersion).toBe('telemetry.istio.io/v1');
    expect(t.metadata).toMatchObject({ name: 'mesh-default', namespace: 'istio-system' });
    expect(t.spec).toEqual({
      tracing: [
        {
          providers: [{ name: 'otel-tracing' }],
          randomSamplingPercentage: 5,
          customTags: { cluster: { literal: { value: 'mesh-prod' } }, environment: { literal: { value: 'prod' } } },
        },
      ],
      accessLogging: [{ providers: [{ name: 'envoy' }], disabled: true }],
    });
    expect(Object.keys(t.spec.tracing[0].customTags)).toEqual(['cluster', 'environment']);
  });

  it('turns Envoy access logs on', () => {
    expect(telemetry({ accessLogging: true }).spec.accessLogging).toEqual([{ providers: [{ name: 'envoy' }], disabled: false }]);
  });

  it('attaches to a waypoint with targetRefs', () => {
    const t = telemetry({ namespace: 'payments', name: 'waypoint', waypoint: 'waypoint' });
    expect(t.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' }]);
    expect(t.spec.selector).toBeUndefined();
  });

  it('fails on an empty provider (it would mean every provider) and a sampling rate above 100', () => {
    const problems = synthProblems(() => telemetry({ tracingProvider: '', samplingPercentage: 101 }));
    // (the pinned CRD schema refuses both too, after the construct's own messages)
    expect(problems.slice(0, 2)).toEqual([
      "[test] test/Telemetry: 'tracingProvider' must name a provider (an empty list means every provider); got \"\". fix: name the meshConfig extension provider, e.g. 'otel-tracing'",
      "[test] test/Telemetry: 'samplingPercentage' must be a percentage from 0 to 100; got 101. fix: e.g. 1 for one request in a hundred",
    ]);
  });
});
