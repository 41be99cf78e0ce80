import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Waypoint, WaypointProps } from '../../src';
import { findByKind, only, synthConstructs, synthProblems } from '../util';

function waypoint(props: Partial<WaypointProps> = {}) {
  return synthConstructs(scope => new Waypoint(scope, 'Waypoint', { namespace: 'payments', ...props }));
}

/** The overlays of the waypoint's ConfigMap, parsed. */
function overlays(objects: ReturnType<typeof waypoint>): Record<string, any> {
  const cm = only(objects, 'ConfigMap');
  return Object.fromEntries(Object.entries(cm.data as Record<string, string>).map(([k, v]) => [k, parse(v)]));
}

describe('Waypoint availability', () => {
  it('a waypoint in an HA environment has a parametersRef ConfigMap with replicas 2, a PDB and zone spread', () => {
    const objects = waypoint({ availability: { replicas: 2 } });
    const gw = only(objects, 'Gateway');
    const cm = only(objects, 'ConfigMap');
    expect(cm.metadata).toMatchObject({ name: 'waypoint-infrastructure', namespace: 'payments' });
    expect(gw.spec.infrastructure).toEqual({ parametersRef: { group: '', kind: 'ConfigMap', name: 'waypoint-infrastructure' } });
    const o = overlays(objects);
    expect(o.deployment.spec.replicas).toBe(2);
    expect(o.deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const spread = o.deployment.spec.template.spec.topologySpreadConstraints;
    expect(spread[0]).toMatchObject({
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint' } },
    });
    expect(spread[1]).toMatchObject({ topologyKey: 'kubernetes.io/hostname' });
    expect(o.podDisruptionBudget).toEqual({ spec: { maxUnavailable: 1 } });
  });

  it('writes plain YAML overlays, without anchors or aliases', () => {
    for (const v of Object.values(only(waypoint(), 'ConfigMap').data as Record<string, string>)) expect(v).not.toMatch(/[&*]a\d/);
  });

  it('uses only overlay keys istiod accepts (any other key makes it render nothing)', () => {
    for (const availability of [{ replicas: 1 }, { replicas: 2 }, { replicas: 2, maxReplicas: 4 }]) {
      const keys = Object.keys(only(waypoint({ availability }), 'ConfigMap').data);
      for (const k of keys) expect(['deployment', 'service', 'serviceAccount', 'horizontalPodAutoscaler', 'podDisruptionBudget']).toContain(k);
    }
  });

  it('a lab waypoint may run one replica: no PDB key, so istiod renders no PDB that blocks drains', () => {
    const o = overlays(waypoint({ availability: { replicas: 1 } }));
    expect(o.deployment.spec.replicas).toBe(1);
    expect(o.podDisruptionBudget).toBeUndefined();
    expect(o.deployment.spec.template).toBeUndefined();
  });

  it('no HPA without metrics-server: the ConfigMap has no horizontalPodAutoscaler key', () => {
    expect(overlays(waypoint({ availability: { replicas: 2 } })).horizontalPodAutoscaler).toBeUndefined();
  });

  it('with metrics-server the HPA owns the replica count, from the minimum to the maximum', () => {
    const o = overlays(waypoint({ availability: { replicas: 2, maxReplicas: 4 } }));
    expect(o.horizontalPodAutoscaler.spec).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
    expect(o.deployment.spec.replicas).toBeUndefined();
  });

  it('defaults to two replicas and keeps the ConfigMap beside the Gateway', () => {
    const objects = waypoint({ name: 'edge' });
    expect(findByKind(objects, 'ConfigMap').map(c => c.metadata.namespace)).toEqual(['payments']);
    expect(overlays(objects).deployment.spec.replicas).toBe(2);
    expect(only(objects, 'Gateway').spec.infrastructure.parametersRef.name).toBe('edge-infrastructure');
  });

  it('fails on a replica count that is not a positive integer', () => {
    expect(synthProblems(() => waypoint({ availability: { replicas: 1.5 } })).join('\n')).toMatch(
      /'availability.replicas' must be an integer of at least 1; got 1.5/,
    );
  });
});
