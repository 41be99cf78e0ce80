import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { measureFloor, measureObjectModel, ObjectDump, PHASES } from '../../bench/measure';
import {
  FluxBuild,
  fluxGrowth,
  fluxResult,
  formatResults,
  median,
  OwnPlatformResult,
  README_BEGIN,
  README_END,
  replaceBetweenMarkers,
  SizeResult,
  targetLines,
} from '../../bench/run';
import { renderObjects } from '../../src/synth/render-objects';
import { ROOT } from '../util';

const MACHINE = { date: new Date('2030-01-02T00:00:00Z'), cpus: 2, cpuModel: 'Some CPU', node: 'v20.0.0', loadAverage: 3.14 };

/** Phases that sum to `totalMs`, the largest (`render`) taking `largestShare` of it. */
function phases(totalMs: number, largestShare: number): SizeResult['phases'] {
  const rest = (totalMs * (1 - largestShare)) / (PHASES.length - 1);
  return Object.fromEntries(PHASES.map(p => [p, p === 'render' ? totalMs * largestShare : rest])) as SizeResult['phases'];
}

function result(namespaces: number, scale: number, overrides: Partial<SizeResult> = {}): SizeResult {
  return {
    namespaces,
    runs: 5,
    objects: 80 * namespaces,
    files: namespaces * 5 + 15,
    bytes: 45_000 * namespaces,
    wallMs: 900 * scale,
    wallCpuMs: 800 * scale,
    coldWallMs: 3000 * scale,
    coldCpuMs: 3500 * scale,
    maxRssMiB: 30 * scale,
    inProcessMs: 600 * scale,
    inProcessCpuMs: 500 * scale,
    phases: phases(600 * scale, 0.3),
    floorMs: 300 * scale,
    floorCpuMs: 250 * scale,
    floorStartMs: 100,
    objectModelMs: 400 * scale,
    objectModelCpuMs: 450 * scale,
    resynthMs: 1200 * scale,
    resynthCpuMs: 1100 * scale,
    flux: {
      kustomizations: 15 * scale,
      buildMs: 2000 * scale,
      buildCpuMs: 2500 * scale,
      slowestMs: 300,
      slowestCpuMs: 350,
      mostObjects: 2000,
      roundsMs: [],
    },
    ...overrides,
  };
}

const own: OwnPlatformResult = {
  runs: 5,
  environments: 5,
  files: 120,
  bytes: 2 * 1024 * 1024,
  wallMs: 350,
  cpuMs: 420,
  maxRssMiB: 150,
  firstWallMs: 2500,
  firstCpuMs: 3000,
};

/** Every target met: 5 x 100 and 5 x 1000 growing x8.8 (the Flux builds x10). */
const MET = [result(100, 1), result(1000, 8.8, { flux: { ...result(1000, 10).flux!, slowestMs: 1000 } })];

/** Every target missed. */
const MISSED = [
  result(100, 1, { wallMs: 1001, resynthMs: 1301, floorMs: 199 }),
  result(1000, 11, {
    wallMs: 11_000,
    maxRssMiB: 401,
    inProcessMs: 6600,
    floorMs: 2199,
    phases: phases(6600, 0.41),
    flux: { ...result(1000, 11.1).flux!, slowestMs: 1001 },
  }),
];

describe('bench report', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('reports the own platform, each size beside its floor and the ratio, CPU time beside wall time', () => {
    const text = formatResults([result(100, 1), result(1000, 11)], MACHINE, own);
    expect(text).toContain(
      'Measured 2030-01-02; `nproc` 2; CPU Some CPU; Node v20.0.0; load average 3.1 when the bench started; median of 5 runs per size.',
    );
    expect(text).toContain('| 5 environments, into an empty folder | 120 | 2.0 MiB | 0.35 s (0.42 s) | 150 MiB | 2.50 s (3.00 s) |');
    // The own platform comes before the sizes.
    expect(text.indexOf('own platform')).toBeLessThan(text.indexOf('| 5 x 100 |'));
    expect(text).toContain(
      '| 5 x 1000 | 80000 | 5015 | 42.9 MiB | 9.90 s (8.80 s) | 13.20 s (12.10 s) | 33.00 s (38.50 s) | 330 MiB | 6.60 s (5.50 s) | 3.30 s (2.75 s) | 0.10 s | 2.0 | 4.40 s (4.95 s) | 1.5 |',
    );
    expect(text).toContain('in-process synth x11.0, floor x11.0, full synth x11.0, re-synth x11.0, Flux builds x11.0.');
    expect(formatResults([result(100, 1)], MACHINE)).toContain('| not measured | | | | | |');
  });

  it('reports the seconds of each phase and its share of the in-process total', () => {
    const text = formatResults([result(1000, 11)], MACHINE, own);
    expect(text).toContain('| N | crds | config | build | checks | render | schema | rules | yaml | write |');
    expect(text).toContain('| 1000 | 0.58 | 0.58 | 0.58 | 0.58 | 1.98 | 0.58 | 0.58 | 0.58 | 0.58 |');
    expect(text).toContain('| 1000, share | 9% | 9% | 9% | 9% | 30% | 9% | 9% | 9% | 9% |');
  });

  it('reports the kustomize builds of every Flux Kustomization, and "not measured" without kustomize', () => {
    const text = formatResults([result(100, 1), result(1000, 11)], MACHINE, own);
    expect(text).toContain('| 1000 | 165 | 22.00 s (27.50 s) | 0.30 s (0.35 s) | 2000 |');
    const without = formatResults([result(100, 1, { flux: undefined }), result(1000, 11, { flux: undefined })], MACHINE, own);
    expect(without).toContain('| 100 | not measured | not measured | not measured | not measured |');
    expect(without).toContain('Flux builds not measured.');
    expect(without).toContain('- summed Flux builds of 5 x 1000 at most 11x those of 5 x 100: not measured');
    expect(without).toContain('- no Flux Kustomization of 5 x 1000 over 1 s to build: not measured');
  });

  it('takes the medians of the Flux rounds, and keeps the sum of each round', () => {
    const build = (wallMs: number, objects = 10): FluxBuild => ({ env: 'prod', kustomization: 'k', objects, wallMs, cpuMs: wallMs + 1 });
    const flux = fluxResult([
      [build(100, 30), build(300)],
      [build(500), build(100)],
      [build(200), build(200)],
    ]);
    expect(flux).toEqual({
      kustomizations: 2,
      buildMs: 400,
      buildCpuMs: 402,
      slowestMs: 300,
      slowestCpuMs: 301,
      mostObjects: 30,
      roundsMs: [400, 600, 400],
    });
  });

  it("grows the Flux builds by the median of the rounds' ratios, and by the ratio of the medians when the rounds do not pair up", () => {
    const flux = (roundsMs: number[]) => ({ ...result(100, 1).flux!, buildMs: median(roundsMs), roundsMs });
    // Paired: 10, 11 and 15; the medians alone would give 30000 / 2000 = 15.
    expect(fluxGrowth(flux([1000, 3000, 2000]), flux([10_000, 33_000, 30_000]))).toBe(11);
    expect(fluxGrowth(flux([1000, 3000]), flux([10_000, 33_000, 30_000]))).toBe(15);
    const text = targetLines([result(100, 1, { flux: flux([1000, 3000, 2000]) }), result(1000, 10, { flux: flux([10_000, 33_000, 30_000]) })], own);
    expect(text).toContain('- summed Flux builds of 5 x 1000 at most 11x those of 5 x 100: x11.0, met');
    const report = formatResults(
      [result(100, 1, { flux: flux([1000, 3000, 2000]) }), result(1000, 10, { flux: flux([10_000, 33_000, 30_000]) })],
      MACHINE,
      own,
    );
    expect(report).toContain("Flux builds x11.0 (the median of the rounds' ratios).");
    const unpaired = targetLines([result(100, 1, { flux: flux([1000, 3000]) }), result(1000, 10, { flux: flux([10_000, 33_000, 30_000]) })], own);
    expect(unpaired).toContain('- summed Flux builds of 5 x 1000 at most 11x those of 5 x 100: x15.0, **missed**');
  });

  it('reports every target as met at its limit', () => {
    expect(targetLines(MET, own)).toEqual([
      '- own platform synth process (`node scripts/run.js charts/main.ts`) at most 0.4 s: 0.35 s, met',
      '- full synth of 5 x 100 into an empty folder at most 1 s: 0.90 s, met',
      '- re-synth of 5 x 100 over its output at most 1.3 s: 1.20 s, met',
      '- full synth of 5 x 1000 at most 8 s: 7.92 s, met',
      '- peak RSS of 5 x 1000 at most 400 MiB: 264 MiB, met',
      '- full synth from 5 x 100 to 5 x 1000 grows at most x10.5: x8.8, met',
      '- in-process synth of 5 x 1000 at most 3x the floor: 2.0x, met',
      '- in-process synth of 5 x 100 at most 3x the floor: 2.0x, met',
      '- summed Flux builds of 5 x 1000 at most 11x those of 5 x 100: x10.0, met',
      '- no Flux Kustomization of 5 x 1000 over 1 s to build: slowest 1.00 s, met',
      '- no in-process phase of 5 x 1000 above 40% of the in-process total: largest `render` 30%, met',
    ]);
    expect(formatResults(MET, MACHINE, own)).not.toContain('**missed**');
  });

  it('reports every target as missed just past its limit', () => {
    expect(targetLines(MISSED, { ...own, wallMs: 401 })).toEqual([
      '- own platform synth process (`node scripts/run.js charts/main.ts`) at most 0.4 s: 0.40 s, **missed**',
      '- full synth of 5 x 100 into an empty folder at most 1 s: 1.00 s, **missed**',
      '- re-synth of 5 x 100 over its output at most 1.3 s: 1.30 s, **missed**',
      '- full synth of 5 x 1000 at most 8 s: 11.00 s, **missed**',
      '- peak RSS of 5 x 1000 at most 400 MiB: 401 MiB, **missed**',
      '- full synth from 5 x 100 to 5 x 1000 grows at most x10.5: x11.0, **missed**',
      '- in-process synth of 5 x 1000 at most 3x the floor: 3.0x, **missed**',
      '- in-process synth of 5 x 100 at most 3x the floor: 3.0x, **missed**',
      '- summed Flux builds of 5 x 1000 at most 11x those of 5 x 100: x11.1, **missed**',
      '- no Flux Kustomization of 5 x 1000 over 1 s to build: slowest 1.00 s, **missed**',
      '- no in-process phase of 5 x 1000 above 40% of the in-process total: largest `render` 41%, **missed**',
    ]);
  });

  it('reports the targets of a size not measured as not measured', () => {
    const lines = targetLines([result(10, 0.1)], undefined);
    expect(lines).toHaveLength(11);
    for (const line of lines) expect(line).toMatch(/: not measured$/);
  });

  it('replaces only the text between the README markers, which the README has', () => {
    const text = `a\n${README_BEGIN}\nold\n${README_END}\nb\n`;
    expect(replaceBetweenMarkers(text, 'new')).toBe(`a\n${README_BEGIN}\nnew\n${README_END}\nb\n`);
    expect(() => replaceBetweenMarkers('no markers', 'new')).toThrow(/has no/);
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme.indexOf(README_BEGIN)).toBeGreaterThan(readme.indexOf('## Benchmarks'));
    expect(readme.indexOf(README_END)).toBeGreaterThan(readme.indexOf(README_BEGIN));
  });
});

/** What bench/measure.ts objects loads at run time (vitest cannot require TypeScript). */
const OBJECT_MODEL = () => ({ ApiObject, App, Chart, renderObjects });

/** Two files of one environment, and its kustomization.yaml, as measure.ts synth dumps them. */
function floorInput(tmp: string) {
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { labels: { team: 'a' }, name: 'a' } };
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'a' }, data: { k: 'v' } };
  const dump: ObjectDump = [
    {
      env: 'lab',
      files: [
        { name: '00-namespaces.yaml', objects: [ns] },
        { name: 'namespaces/40-a.yaml', objects: [ns, cm] },
      ],
      kustomizations: [{ name: 'kustomization.yaml', content: 'resources:\n  - 00-namespaces.yaml\n' }],
    },
  ];
  fs.writeFileSync(path.join(tmp, 'objects.json'), JSON.stringify(dump));
  return { ns, cm, argv: ['--objects', path.join(tmp, 'objects.json'), '--outdir', path.join(tmp, 'out')] };
}

/** What both floors write: the objects of each file by JSON.stringify, the kustomization.yaml as given. */
function expectFloorFiles(tmp: string, ns: unknown, cm: unknown, bytes: number): void {
  expect(fs.readFileSync(path.join(tmp, 'out', 'lab', 'namespaces', '40-a.yaml'), 'utf8')).toBe(JSON.stringify([ns, cm]));
  expect(fs.readFileSync(path.join(tmp, 'out', 'lab', '00-namespaces.yaml'), 'utf8')).toBe(JSON.stringify([ns]));
  expect(fs.readFileSync(path.join(tmp, 'out', 'lab', 'kustomization.yaml'), 'utf8')).toBe('resources:\n  - 00-namespaces.yaml\n');
  expect(bytes).toBe(JSON.stringify([ns]).length + JSON.stringify([ns, cm]).length + 'resources:\n  - 00-namespaces.yaml\n'.length);
}

/** Run `f` in a fresh temporary folder, removed afterwards. */
function inTempDir(f: (tmp: string) => void): void {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eks-mesh-floor-test-'));
  try {
    f(tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

describe('bench floor', () => {
  it('is the start-up given plus JSON.stringify of each file and its write into the same folders', () => {
    inTempDir(tmp => {
      const { ns, cm, argv } = floorInput(tmp);
      const floor = measureFloor(['floor', ...argv], 120, { user: 50_000, system: 10_000 });
      expect(floor.startMs).toBe(120);
      expect(floor.totalMs).toBeCloseTo(120 + floor.stringifyMs + floor.writeMs, 6);
      expect(floor.cpuMs).toBeGreaterThanOrEqual(60);
      expectFloorFiles(tmp, ns, cm, floor.bytes);
    });
  });

  it('of the object model: the same files, from the objects made cdk8s ApiObjects and rendered, each step in the total', () => {
    inTempDir(tmp => {
      const { ns, cm, argv } = floorInput(tmp);
      const m = measureObjectModel(['objects', ...argv], 120, { user: 50_000, system: 10_000 }, OBJECT_MODEL);
      expect(m.startMs).toBe(120);
      expect(m.totalMs).toBeCloseTo(120 + m.loadMs + m.constructMs + m.renderMs + m.stringifyMs + m.writeMs, 6);
      expect(m.constructMs).toBeGreaterThan(0);
      expect(m.renderMs).toBeGreaterThan(0);
      expect(m.cpuMs).toBeGreaterThanOrEqual(60);
      expectFloorFiles(tmp, ns, cm, m.bytes);
    });
  });

  it('of the object model: refuses objects that cdk8s renders otherwise than given', () => {
    inTempDir(tmp => {
      const { argv } = floorInput(tmp);
      // Keys out of cdk8s's order: rendered sorted, so not the text the floor would write.
      const unsorted = [
        { env: 'lab', files: [{ name: 'x.yaml', objects: [{ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'a' } }] }], kustomizations: [] },
      ];
      fs.writeFileSync(path.join(tmp, 'objects.json'), JSON.stringify(unsorted));
      expect(() => measureObjectModel(['objects', ...argv], 0, { user: 0, system: 0 }, OBJECT_MODEL)).toThrow(
        /did not render the objects they were made of/,
      );
    });
  });
});
