import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildPlatform } from '../fixtures/platform';
import { ENVIRONMENTS } from '../fixtures/platform';
import {
  DataplaneMode,
  EnvironmentConfig,
  MtlsMode,
  NamespaceSettings,
  renderPlan,
  resolveEnvironment,
  runSynth,
  synthesize,
  unsafeStep,
} from '../../src';
import { readCommittedStates } from '../../src/synth/committed-states';
import { baseConfig, synthProblems } from '../util';
import { FixtureAmbient, FixtureSidecar } from '../profiles/fixtures';

const withNs = (settings: NamespaceSettings, overrides: Partial<EnvironmentConfig> = {}) =>
  baseConfig({ namespaces: { fixture: settings }, ...overrides });
const build = (Profile: typeof FixtureAmbient | typeof FixtureSidecar) => (app: any, env: any) => {
  if (env.namespaces.fixture) new Profile(app, 'fixture', { env });
};
const env = (name: string, settings: NamespaceSettings, overrides: Partial<EnvironmentConfig> = {}) => withNs(settings, { name, ...overrides });
/** Where this platform's environment configs are, as charts/main.ts names them. */
const configSource = (name: string) => `charts/environments/${name}.ts`;

describe('gate: mesh-wide STRICT only when every namespace is in the mesh', () => {
  it('fails when a namespace is out of the mesh under mesh-wide STRICT, and says how to proceed', () => {
    const [p] = resolveEnvironment(withNs({ dataplane: DataplaneMode.OUT_OF_MESH, mtlsMode: MtlsMode.PERMISSIVE })).problems;
    expect(p.field).toBe("namespaces['fixture'].dataplane");
    expect(p.message).toBe('is out of the mesh while the mesh-wide mode is STRICT: its pods can no longer call meshed Services');
    expect(p.fix).toMatch(/enrol it \(PERMISSIVE first\), set istio.mtlsMode to PERMISSIVE \(rollback level 1\), or give strictExemptionBecause/);
  });

  it('passes with an exemption that gives a reason, or with a PERMISSIVE mesh', () => {
    expect(
      resolveEnvironment(
        withNs({
          dataplane: DataplaneMode.OUT_OF_MESH,
          mtlsMode: MtlsMode.PERMISSIVE,
          strictExemptionBecause: 'batch exporter calls nothing in the mesh',
        }),
      ).problems,
    ).toEqual([]);
    expect(resolveEnvironment(withNs({ dataplane: DataplaneMode.OUT_OF_MESH }, { istio: { mtlsMode: MtlsMode.PERMISSIVE } })).problems).toEqual([]);
    expect(
      resolveEnvironment(withNs({ dataplane: DataplaneMode.OUT_OF_MESH, mtlsMode: MtlsMode.PERMISSIVE, strictExemptionBecause: 'ok' })).problems[0]
        .message,
    ).toBe('must give a reason of at least 10 characters');
  });

  it('refuses STRICT on a namespace out of the mesh', () => {
    const problems = resolveEnvironment(
      withNs({ dataplane: DataplaneMode.OUT_OF_MESH, mtlsMode: MtlsMode.STRICT }, { istio: { mtlsMode: MtlsMode.PERMISSIVE } }),
    ).problems;
    expect(problems.map(p => [p.field, p.fix])).toEqual([
      ["namespaces['fixture'].mtlsMode", 'enrol the namespace first with PERMISSIVE, then set STRICT'],
    ]);
  });
});

describe('gate: promotion order', () => {
  it('fails when a namespace is ahead of the previous environment, naming both states', () => {
    const problems = synthProblems(() =>
      synthesize([env('lab', { dataplane: DataplaneMode.SIDECAR, mtlsMode: MtlsMode.PERMISSIVE }), env('dev', {})], build(FixtureAmbient), {
        configSource,
      }),
    );
    expect(problems).toEqual([
      "[dev] charts/environments/dev.ts: 'namespaces['fixture']' is ahead of lab, where it is still sidecar/PERMISSIVE; got \"ambient/STRICT\". fix: promote ambient/STRICT to lab first, or give namespaces['fixture'].aheadOfPreviousBecause",
    ]);
  });

  it('names the config type, not a path of this repository, when the caller gives no config source', () => {
    const problems = synthProblems(() =>
      synthesize([env('lab', { dataplane: DataplaneMode.SIDECAR, mtlsMode: MtlsMode.PERMISSIVE }), env('dev', {})], build(FixtureAmbient)),
    );
    expect(problems).toEqual([expect.stringMatching(/^\[dev\] EnvironmentConfig: 'namespaces\['fixture'\]' is ahead of lab/)]);
  });

  it('fails when the mesh-wide mode is ahead, or a namespace is enabled before the previous environment has it', () => {
    const problems = synthProblems(() =>
      synthesize(
        [baseConfig({ name: 'lab', istio: { mtlsMode: MtlsMode.PERMISSIVE } }), env('dev', {}, { istio: { mtlsMode: MtlsMode.STRICT } })],
        build(FixtureSidecar),
      ),
    );
    expect(problems.map(p => p.split(':')[1].trim().split(' ')[0])).toEqual(["'istio.mtlsMode'", "'namespaces['fixture']'"]);
    expect(problems[1]).toContain('is enabled here but not in lab');
  });

  it('passes when an environment is behind the previous one, or says why it is ahead', () => {
    expect(() => synthesize([env('lab', {}), env('dev', { mtlsMode: MtlsMode.PERMISSIVE })], build(FixtureSidecar))).not.toThrow();
    expect(() =>
      synthesize(
        [env('lab', { mtlsMode: MtlsMode.PERMISSIVE }), env('dev', { aheadOfPreviousBecause: 'dev hosts the pilot for INC-7' })],
        build(FixtureSidecar),
      ),
    ).not.toThrow();
  });
});

describe('gate: no unsafe jump from the committed state', () => {
  it('names the safe intermediate step of each unsafe jump', () => {
    const s = (dataplane: DataplaneMode, mtlsMode: MtlsMode) => ({ dataplane, mtlsMode });
    expect(unsafeStep(s(DataplaneMode.SIDECAR, MtlsMode.STRICT), s(DataplaneMode.AMBIENT, MtlsMode.STRICT))?.fix).toBe(
      'set PERMISSIVE first (still sidecar), then switch to ambient, then set STRICT again',
    );
    expect(unsafeStep(s(DataplaneMode.OUT_OF_MESH, MtlsMode.PERMISSIVE), s(DataplaneMode.AMBIENT, MtlsMode.STRICT))?.fix).toMatch(
      /^enrol it as ambient with PERMISSIVE first/,
    );
    expect(unsafeStep(s(DataplaneMode.SIDECAR, MtlsMode.PERMISSIVE), s(DataplaneMode.AMBIENT, MtlsMode.PERMISSIVE))).toBeUndefined();
    expect(unsafeStep(s(DataplaneMode.AMBIENT, MtlsMode.STRICT), s(DataplaneMode.OUT_OF_MESH, MtlsMode.PERMISSIVE))).toBeUndefined();
  });

  describe('against the committed dist/ (runSynth)', () => {
    let dir: string;
    const errors: string[] = [];
    const quiet = { log: () => undefined, error: (l: string) => errors.push(l), configSource };
    const lab = ENVIRONMENTS.find(e => e.name === 'lab')!;
    const labWith = (catalog: NamespaceSettings) => [{ ...lab, namespaces: { ...lab.namespaces, catalog } }];
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-migrate-'));
      errors.length = 0;
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('refuses sidecar/STRICT -> ambient/STRICT and leaves the output as it was', () => {
      expect(runSynth({ environments: labWith({ dataplane: DataplaneMode.SIDECAR }), build: buildPlatform, outdir: dir, ...quiet })).toBe(0);
      const before = fs.readFileSync(path.join(dir, 'lab', 'namespaces', '40-catalog.yaml'), 'utf8');
      expect(runSynth({ environments: labWith({}), build: buildPlatform, outdir: dir, ...quiet })).toBe(1);
      expect(errors.join('\n')).toContain(
        "[lab] charts/environments/lab.ts: 'namespaces['catalog']' switches from sidecar to ambient under STRICT: while pods restart, some run without a proxy and their calls are refused; got \"sidecar/STRICT -> ambient/STRICT\". fix: set PERMISSIVE first (still sidecar), then switch to ambient, then set STRICT again",
      );
      expect(fs.readFileSync(path.join(dir, 'lab', 'namespaces', '40-catalog.yaml'), 'utf8')).toBe(before);
    });

    it('reads the committed state from the flat layout of before the stage folders, so the first synth after the change still refuses the jump', () => {
      // GIVEN lab as the layout before the stage folders wrote it: every file in dist/lab/ itself
      expect(runSynth({ environments: labWith({ dataplane: DataplaneMode.SIDECAR }), build: buildPlatform, outdir: dir, ...quiet })).toBe(0);
      const envDir = path.join(dir, 'lab');
      for (const folder of fs.readdirSync(envDir).filter(f => fs.statSync(path.join(envDir, f)).isDirectory())) {
        for (const f of fs.readdirSync(path.join(envDir, folder)).filter(n => n !== 'kustomization.yaml'))
          fs.renameSync(path.join(envDir, folder, f), path.join(envDir, f));
        fs.rmSync(path.join(envDir, folder), { recursive: true });
      }
      expect(readCommittedStates(envDir)?.get('catalog')).toEqual({ dataplane: DataplaneMode.SIDECAR, mtlsMode: MtlsMode.STRICT });
      // WHEN the config jumps to ambient under STRICT
      expect(runSynth({ environments: labWith({}), build: buildPlatform, outdir: dir, ...quiet })).toBe(1);
      // THEN the gate fires, and the old layout is left as it was
      expect(errors.join('\n')).toContain("'namespaces['catalog']' switches from sidecar to ambient under STRICT");
      expect(fs.existsSync(path.join(envDir, '40-catalog.yaml'))).toBe(true);
    });

    it('gates a synth into another outdir against the committed folder given as committedDir', () => {
      // GIVEN a committed lab where catalog is sidecar/PERMISSIVE
      expect(
        runSynth({
          environments: labWith({ dataplane: DataplaneMode.SIDECAR, mtlsMode: MtlsMode.PERMISSIVE }),
          build: buildPlatform,
          outdir: dir,
          ...quiet,
        }),
      ).toBe(0);
      const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-migrate-out-'));
      try {
        // WHEN the config jumps to ambient/STRICT in one step, synthesized into an empty folder
        expect(runSynth({ environments: labWith({}), build: buildPlatform, outdir: elsewhere, committedDir: dir, ...quiet })).toBe(1);
        // THEN the gate compares with the committed folder, not with the empty outdir, and writes nothing
        expect(errors.join('\n')).toContain(
          "[lab] charts/environments/lab.ts: 'namespaces['catalog']' switches from sidecar to ambient under STRICT",
        );
        expect(errors.join('\n')).toContain('got "sidecar/PERMISSIVE -> ambient/STRICT"');
        expect(fs.existsSync(path.join(elsewhere, 'lab'))).toBe(false);
        // and without committedDir the outdir is what is compared with: empty, so nothing is gated
        errors.length = 0;
        expect(runSynth({ environments: labWith({}), build: buildPlatform, outdir: elsewhere, ...quiet })).toBe(0);
      } finally {
        fs.rmSync(elsewhere, { recursive: true, force: true });
      }
    });

    it('reads only Namespaces and PeerAuthentications of the committed files, at any depth', () => {
      fs.mkdirSync(path.join(dir, 'x', 'namespaces-01'), { recursive: true });
      fs.writeFileSync(
        path.join(dir, 'x', 'namespaces-01', '40-a.yaml'),
        [
          'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    mesh.eks-istio-mesh.io/team: a\n    istio.io/dataplane-mode: ambient\n',
          'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: a\nspec:\n  mtls:\n    mode: STRICT\n',
          // Not parsed: its kind is neither (it would not even parse).
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [unclosed\n',
        ].join('---\n'),
      );
      expect(readCommittedStates(path.join(dir, 'x'))).toEqual(new Map([['a', { dataplane: DataplaneMode.AMBIENT, mtlsMode: MtlsMode.STRICT }]]));
      expect(readCommittedStates(path.join(dir, 'missing'))).toBeUndefined();
    });

    it('accepts the same move through the safe steps, or with a reason', () => {
      expect(runSynth({ environments: labWith({ dataplane: DataplaneMode.SIDECAR }), build: buildPlatform, outdir: dir, ...quiet })).toBe(0);
      expect(
        runSynth({
          environments: labWith({ dataplane: DataplaneMode.SIDECAR, mtlsMode: MtlsMode.PERMISSIVE }),
          build: buildPlatform,
          outdir: dir,
          ...quiet,
        }),
      ).toBe(0);
      expect(runSynth({ environments: labWith({ mtlsMode: MtlsMode.PERMISSIVE }), build: buildPlatform, outdir: dir, ...quiet })).toBe(0);
      expect(runSynth({ environments: labWith({}), build: buildPlatform, outdir: dir, ...quiet })).toBe(0);
      const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-migrate-'));
      expect(runSynth({ environments: labWith({ dataplane: DataplaneMode.SIDECAR }), build: buildPlatform, outdir: fresh, ...quiet })).toBe(0);
      expect(
        runSynth({
          environments: labWith({ unsafeTransitionBecause: 'lab is rebuilt nightly, no traffic to keep' }),
          build: buildPlatform,
          outdir: fresh,
          ...quiet,
        }),
      ).toBe(0);
      fs.rmSync(fresh, { recursive: true });
    });
  });
});

describe('rollback', () => {
  const prod = ENVIRONMENTS.find(e => e.name === 'prod')!;
  const objectsOf = (configs: EnvironmentConfig[]) =>
    synthesize(configs, buildPlatform)
      .at(-1)!
      .charts.flatMap(c => c.objects) as any[];

  it('level 1: one line sets a namespace (or the whole environment) back to PERMISSIVE', () => {
    const objects = objectsOf([
      ...ENVIRONMENTS.slice(0, -1),
      { ...prod, namespaces: { ...prod.namespaces, payments: { mtlsMode: MtlsMode.PERMISSIVE } } },
    ]);
    expect(objects.find(o => o.kind === 'PeerAuthentication' && o.metadata.namespace === 'payments').spec.mtls.mode).toBe('PERMISSIVE');
    const whole = objectsOf([...ENVIRONMENTS.slice(0, -1), { ...prod, istio: { ...prod.istio, mtlsMode: MtlsMode.PERMISSIVE } }]);
    expect(whole.find(o => o.kind === 'PeerAuthentication' && o.metadata.namespace === 'istio-system').spec.mtls.mode).toBe('PERMISSIVE');
  });

  it('level 2: one line takes a namespace out of the mesh (with the mesh PERMISSIVE or an exemption)', () => {
    const objects = objectsOf([
      ...ENVIRONMENTS.slice(0, -1),
      {
        ...prod,
        namespaces: {
          ...prod.namespaces,
          payments: {
            dataplane: DataplaneMode.OUT_OF_MESH,
            mtlsMode: MtlsMode.PERMISSIVE,
            strictExemptionBecause: 'INC-4711: ztunnel crash loop on the payments nodes',
          },
        },
      },
    ]);
    const ns = objects.find(o => o.kind === 'Namespace' && o.metadata.name === 'payments');
    expect(Object.keys(ns.metadata.labels).filter(k => k.startsWith('istio'))).toEqual([]);
    expect(objects.filter(o => o.metadata.namespace === 'payments' && ['Gateway', 'Sidecar'].includes(o.kind))).toEqual([]);
    expect(
      objects.find(o => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'payments' && o.metadata.name === 'allow-kubelet-probes'),
    ).toBeUndefined();
  });
});

describe('npm run plan', () => {
  const plan = renderPlan(synthesize(ENVIRONMENTS, buildPlatform, { rules: [], meshReport: false }).map(r => r.states));
  const row = (ns: string) =>
    plan
      .split('\n')
      .find(l => l.startsWith(`| \`${ns}\``))!
      .split(' | ');

  it('shows each namespace in each environment with its state and next safe step', () => {
    expect(plan).toContain('| namespace (target) | lab | dev | staging | preprod | prod |');
    expect(row('catalog')).toEqual([
      '| `catalog` (ambient)',
      'ambient / STRICT: done',
      'ambient / PERMISSIVE: **next set STRICT**',
      'sidecar / PERMISSIVE: **next move to ambient, PERMISSIVE**',
      'out-of-mesh / PERMISSIVE: **next sidecar / PERMISSIVE** (as staging)',
      'not enabled: **next enable as out-of-mesh / PERMISSIVE** (as preprod) |',
    ]);
    expect(
      row('payments')
        .slice(1)
        .every(c => c.startsWith('ambient / STRICT: done')),
    ).toBe(true);
  });

  it('says what blocks mesh-wide STRICT in each environment', () => {
    const states = synthesize(
      ENVIRONMENTS.map(e =>
        e.name === 'preprod'
          ? {
              ...e,
              istio: { ...e.istio, mtlsMode: MtlsMode.PERMISSIVE },
              namespaces: { ...e.namespaces, catalog: { dataplane: DataplaneMode.OUT_OF_MESH, mtlsMode: MtlsMode.PERMISSIVE } },
            }
          : e,
      ).filter(e => e.name !== 'prod'),
      buildPlatform,
      { rules: [], meshReport: false },
    ).map(r => r.states);
    expect(renderPlan(states)).toContain('| `preprod` | PERMISSIVE | catalog is out of the mesh |');
  });
});

describe('Flux prune safety', () => {
  const PRUNE = 'kustomize.toolkit.fluxcd.io/prune';
  const lab = ENVIRONMENTS.find(e => e.name === 'lab')!;
  const objectsOf = (config: EnvironmentConfig) => synthesize([config], buildPlatform)[0].charts.flatMap(c => c.objects) as any[];

  it('marks team Namespaces, the Istio HelmRepository and every Istio HelmRelease but a non-current istiod prune: disabled', () => {
    const objects = objectsOf({ ...lab, istio: { ...lab.istio, revision: 'default', revisions: ['default', 'canary'] } });
    const pruneOf = (kind: string, name: string) => objects.find(o => o.kind === kind && o.metadata.name === name)?.metadata.annotations?.[PRUNE];
    for (const ns of Object.keys(lab.namespaces ?? {})) expect(pruneOf('Namespace', ns)).toBe('disabled');
    expect(pruneOf('HelmRepository', 'istio')).toBe('disabled');
    for (const r of ['istio-base', 'istiod', 'istio-cni', 'ztunnel', 'istio-ingressgateway'])
      expect([r, pruneOf('HelmRelease', r)]).toEqual([r, 'disabled']);
    // The canary is not the revision in use: dropping it from istio.revisions uninstalls it.
    expect(pruneOf('HelmRelease', 'istiod-canary')).toBeUndefined();
  });

  it('moves the protection with istio.revision, so the old revision is prunable once namespaces have moved', () => {
    const objects = objectsOf({ ...lab, istio: { ...lab.istio, revision: 'canary', revisions: ['default', 'canary'] } });
    const pruneOf = (name: string) => objects.find(o => o.kind === 'HelmRelease' && o.metadata.name === name)?.metadata.annotations?.[PRUNE];
    expect(pruneOf('istiod-canary')).toBe('disabled');
    expect(pruneOf('istiod')).toBeUndefined();
  });
});

describe('gate: retiring a namespace', () => {
  let dir: string;
  const errors: string[] = [];
  const quiet = { log: () => undefined, error: (l: string) => errors.push(l), configSource };
  const lab = ENVIRONMENTS.find(e => e.name === 'lab')!;
  const withoutOrders = (retiredNamespaces?: Record<string, string>) => {
    const { orders: _dropped, ...rest } = lab.namespaces ?? {};
    return [{ ...lab, namespaces: rest, ...(retiredNamespaces ? { retiredNamespaces } : {}) }];
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-retire-'));
    errors.length = 0;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a namespace that dist/<env>/ holds and the config no longer enables, and says what Flux does and does not delete', () => {
    expect(runSynth({ environments: [lab], build: buildPlatform, outdir: dir, ...quiet })).toBe(0);
    expect(runSynth({ environments: withoutOrders(), build: buildPlatform, outdir: dir, ...quiet })).toBe(1);
    const text = errors.join('\n');
    expect(text).toContain(
      "[lab] charts/environments/lab.ts: 'namespaces['orders']' is in dist/lab/ but no longer enabled in lab: Flux would prune its NetworkPolicies, AuthorizationPolicies and PeerAuthentication while its workloads may still run. The Namespace itself is not deleted (kustomize.toolkit.fluxcd.io/prune: disabled)",
    );
    expect(text).toContain(
      "fix: drain the workloads, then give retiredNamespaces: { 'orders': '<ticket: why, and that it is drained>' } in charts/environments/lab.ts (or enable it again); after Flux has applied, delete the Namespace by hand (kubectl delete namespace orders)",
    );
    expect(fs.existsSync(path.join(dir, 'lab', 'namespaces', '40-orders.yaml'))).toBe(true);
  });

  it('accepts the removal with a reason, and then writes the folder without the namespace', () => {
    expect(runSynth({ environments: [lab], build: buildPlatform, outdir: dir, ...quiet })).toBe(0);
    expect(
      runSynth({
        environments: withoutOrders({ orders: 'INC-42: moved to cluster B; workloads drained' }),
        build: buildPlatform,
        outdir: dir,
        ...quiet,
      }),
    ).toBe(0);
    expect(fs.existsSync(path.join(dir, 'lab', 'namespaces', '40-orders.yaml'))).toBe(false);
  });

  it('checks the reason, and refuses to retire a namespace that is still enabled', () => {
    const short = resolveEnvironment(baseConfig({ retiredNamespaces: { orders: 'gone' } })).problems;
    expect(short.map(p => [p.field, p.message])).toEqual([["retiredNamespaces['orders']", 'must give a reason of at least 10 characters']]);
    const both = resolveEnvironment(baseConfig({ namespaces: { orders: {} }, retiredNamespaces: { orders: 'INC-42: moved to cluster B' } })).problems;
    expect(both.map(p => [p.field, p.message, p.fix])).toEqual([
      [
        "retiredNamespaces['orders']",
        'names a namespace that namespaces still enables',
        "remove namespaces['orders'] to retire it, or remove retiredNamespaces['orders'] to keep it",
      ],
    ]);
  });

  it('shows a retired namespace with its reason in the plan', () => {
    const states = synthesize(withoutOrders({ orders: 'INC-42: moved to cluster B | drained' }), buildPlatform, { rules: [], meshReport: false }).map(
      r => r.states,
    );
    const row = renderPlan(states)
      .split('\n')
      .find(l => l.startsWith('| `orders`'))!;
    expect(row).toBe('| `orders` (retired) | retired: INC-42: moved to cluster B \\| drained |');
  });
});
