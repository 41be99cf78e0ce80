import { ApiObject, App, Chart, JsonPatch, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import { describe, expect, it, vi } from 'vitest';
import { generatePlatform } from '../../bench/generate';
import { EnvironmentConfig, ResolvedEnvironment } from '../../src';
import { resolveEnvironment } from '../../src/config/resolve';
import { runPrepare } from '../../src/constructs/checks';
import { renderObjects } from '../../src/synth/render-objects';
import { buildFlux, buildPlatform, ENVIRONMENTS } from '../fixtures/platform';

/** cdk8s's per-value resolve (cdk8s/lib/resolve.js), which its ApiObject.toJson calls through the module object. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdk8sResolve = require('cdk8s/lib/resolve') as { resolve: (...args: unknown[]) => unknown };

/** Every ApiObject of the environments as built, before rendering. */
function apiObjects(configs: readonly EnvironmentConfig[], build: (app: App, env: ResolvedEnvironment) => unknown): ApiObject[] {
  return configs.flatMap(config => {
    const { env } = resolveEnvironment(config);
    const app = new App({ outdir: '.cdk8s.out' });
    build(app, env!);
    runPrepare(app);
    return app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  });
}

/** The rendering of cdk8s and the direct one, as JSON text (key order included). */
function both(o: ApiObject): [string, string] {
  return [JSON.stringify(o.toJson()), JSON.stringify(renderObjects(() => o.toJson()))];
}

describe('renderObjects: ApiObject.toJson() without the per-value overhead', () => {
  it('renders every object of the fixture platform, its Flux Kustomizations and a generated platform exactly as cdk8s does', () => {
    const bench = generatePlatform({ namespaces: 10 });
    const objects = [...apiObjects(ENVIRONMENTS, buildPlatform), ...apiObjects(ENVIRONMENTS, buildFlux), ...apiObjects(bench.environments, bench.build)];
    expect(objects.length).toBeGreaterThan(1000);
    const differing = objects.filter(o => {
      const [cdk8s, direct] = both(o);
      return cdk8s !== direct;
    });
    expect(differing.map(o => o.node.path)).toEqual([]);
    // And the direct path was the one taken: cdk8s's resolve is not called at all.
    const spy = vi.spyOn(cdk8sResolve, 'resolve');
    try {
      renderObjects(() => objects.map(o => o.toJson()));
      expect(spy).not.toHaveBeenCalled();
      objects[0].toJson();
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('resolves Lazy values, implicit tokens, number-or-string unions and JSON patches as cdk8s does', () => {
    const chart = new Chart(new App(), 'c', { labels: { team: 'a' } });
    const o = new k8s.KubeService(chart, 'svc', {
      metadata: { name: 'svc', annotations: { note: Lazy.any({ produce: () => 'late' }) as unknown as string } },
      spec: {
        ports: [{ port: 80, targetPort: k8s.IntOrString.fromString('http') }, { port: 81, targetPort: k8s.IntOrString.fromNumber(8081) }],
        selector: { app: { resolve: () => 'token' } as unknown as string },
        externalIPs: [],
        clusterIp: undefined,
      },
    });
    o.addJsonPatch(JsonPatch.add('/spec/type', 'ClusterIP'));
    const [cdk8s, direct] = both(o);
    expect(direct).toBe(cdk8s);
    expect(JSON.parse(direct)).toMatchObject({
      metadata: { annotations: { note: 'late' }, labels: { team: 'a' } },
      spec: { selector: { app: 'token' }, type: 'ClusterIP', ports: [{ targetPort: 'http' }, { targetPort: 8081 }] },
    });
  });

  it('sorts, drops and keeps the values cdk8s sorts, drops and keeps, an array with a union value included', () => {
    const union = Object.assign([1, 2], { value: 7 });
    const labelled = Object.assign(['x'], { value: { not: 'a union' } });
    const o = new ApiObject(new Chart(new App(), 'c'), 'cm', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { labels: {}, annotations: { b: '1', a: '2' }, finalizers: [] },
      data: { b: 1, a: { z: [], y: {}, x: null, w: [null, undefined, 1, [], {}] }, B: 2, é: 3, '10': 4, '9': 5, _: 6, sorted: { a: 1, b: 2 } },
      union,
      labelled,
    });
    const [cdk8s, direct] = both(o);
    expect(direct).toBe(cdk8s);
    expect(JSON.parse(direct)).toMatchObject({ union: { value: 7 }, labelled: ['x'], metadata: { annotations: { a: '2', b: '1' } } });
    expect(Object.keys(JSON.parse(direct).data)).toEqual(['9', '10', 'B', '_', 'a', 'b', 'sorted', 'é']);
  });

  it('orders keys as cdk8s does: short and long mappings, in any order, and metadata with attributes of its own', () => {
    // UTF-16 code units, not code points: '𝒜' (a surrogate pair) sorts before 'ｚ' (U+FF5A).
    const odd = ['ｚ', '𝒜', 'é', 'Z', 'a', '_', '10', '9', 'a-b', 'a.b', 'ab', 'A'];
    // More keys than are sorted in place, neither sorted nor reversed.
    const long = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${String((i * 7) % 20).padStart(2, '0')}`, i]));
    const shuffled = Object.fromEntries(odd.map((k, i) => [k, i]));
    const sortedAlready = Object.fromEntries([...odd].sort().map((k, i) => [k, i]));
    const o = new ApiObject(new Chart(new App(), 'c'), 'cm', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm', generateName: 'cm-', labels: { b: 'x', a: 'y' } },
      data: { long, shuffled, sortedAlready, two: { port: 1, protocol: 'TCP' }, twoBackwards: { protocol: 'TCP', port: 1 } },
    });
    const plain = new ApiObject(new Chart(new App(), 'd'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' } });
    for (const x of [o, plain]) {
      const [cdk8s, direct] = both(x);
      expect(direct).toBe(cdk8s);
    }
    const data = JSON.parse(both(o)[1]).data;
    // An object lists integer keys ('9', '10') first whatever the order they were set in.
    const asObject = (keys: string[]) => Object.keys(Object.fromEntries(keys.map(k => [k, 0])));
    expect(Object.keys(data.shuffled)).toEqual(asObject([...odd].sort()));
    expect(Object.keys(data.shuffled).filter(k => !/^\d+$/.test(k))).toEqual([...odd].sort().filter(k => !/^\d+$/.test(k)));
    expect(Object.keys(data.long)).toEqual(Object.keys(long).sort());
    expect(Object.keys(data.twoBackwards)).toEqual(['port', 'protocol']);
    expect(Object.keys(JSON.parse(both(o)[1]).metadata)).toEqual(['generateName', 'labels', 'name']);
    expect(Object.keys(JSON.parse(both(plain)[1]).metadata)).toEqual(['name', 'namespace']);
  });

  it('fails with the message cdk8s gives for a value it cannot render', () => {
    const chart = new Chart(new App(), 'c');
    const o = new ApiObject(chart, 'odd', { apiVersion: 'v1', kind: 'ConfigMap', data: { when: new Date(0) } });
    expect(() => o.toJson()).toThrow(/Failed serializing construct at path 'c\/odd' with name 'c-odd-.*': Error: can't render non-simple object of type 'Date'/);
    let cdk8sMessage = '';
    try {
      o.toJson();
    } catch (e) {
      cdk8sMessage = (e as Error).message;
    }
    expect(() => renderObjects(() => o.toJson())).toThrow(cdk8sMessage);
  });

  it('leaves an app with resolvers of its own to cdk8s, and puts cdk8s back when it returns or throws', () => {
    const calls: unknown[] = [];
    const app = new App({ resolvers: [{ resolve: ctx => void calls.push(ctx.value) }] });
    const o = new ApiObject(new Chart(app, 'c'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } });
    const [cdk8s, direct] = both(o);
    expect(direct).toBe(cdk8s);
    expect(calls).toContain('b');
    const spy = vi.spyOn(cdk8sResolve, 'resolve');
    try {
      renderObjects(() => o.toJson());
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    const original = ApiObject.prototype.toJson;
    expect(() =>
      renderObjects(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(ApiObject.prototype.toJson).toBe(original);
  });
});
