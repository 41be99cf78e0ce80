import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PHASES } from '../../bench/measure';
import { formatResults, median, README_BEGIN, README_END, replaceBetweenMarkers, SizeResult } from '../../bench/run';
import { ROOT } from '../util';

function result(namespaces: number, scale: number): SizeResult {
  return {
    namespaces,
    runs: 3,
    objects: 80 * namespaces,
    files: namespaces * 5 + 15,
    bytes: 45_000 * namespaces,
    wallMs: 1000 * scale,
    wallCpuMs: 900 * scale,
    coldWallMs: 3000 * scale,
    maxRssMiB: 100 * scale,
    inProcessMs: 800 * scale,
    inProcessCpuMs: 700 * scale,
    phases: Object.fromEntries(PHASES.map(p => [p, 10 * scale])) as SizeResult['phases'],
    floorMs: 400 * scale,
    floorCpuMs: 350 * scale,
    resynthMs: 1200 * scale,
    resynthCpuMs: 1100 * scale,
    kustomizations: 15 * scale,
    fluxBuildMs: 2000 * scale,
    fluxBuildCpuMs: 2500 * scale,
    fluxSlowestMs: scale > 1 ? 1100 : 300,
    fluxMostObjects: 2000,
  };
}

describe('bench report', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('reports the ratio to the floor, the growth from 100 to 1000 and each target', () => {
    const text = formatResults([result(100, 1), result(1000, 11)], {
      date: new Date('2030-01-02T00:00:00Z'),
      cpus: 2,
      cpuModel: 'Some CPU',
      node: 'v20.0.0',
      loadAverage: 3.14,
    });
    expect(text).toContain(
      'Measured 2030-01-02; `nproc` 2; CPU Some CPU; Node v20.0.0; load average 3.1 when the bench started; median of 3 runs per size.',
    );
    expect(text).toContain(
      '| 5 x 1000 | 80000 | 5015 | 42.9 MiB | 11.00 s (9.90 s) | 13.20 s (12.10 s) | 33.00 s | 1100 MiB | 8.80 s (7.70 s) | 4.40 s (3.85 s) | 2.0 |',
    );
    expect(text).toContain('in-process synth x11.0, floor x11.0, full synth x11.0');
    expect(text).toContain('- full synth of 5 x 100 under 3 s: 1.00 s, met');
    expect(text).toContain('- in-process synth of 5 x 1000 within 4x of the floor: 2.0x, met');
    expect(text).toContain('- time(1000) / time(100) under 12: 11.0, met');
    expect(text).toContain('- peak RSS of 5 x 1000 under 1 GiB: 1100 MiB, **missed**');
  });

  it('reports the kustomize builds of every Flux Kustomization, their growth and the slowest one', () => {
    const text = formatResults([result(100, 1), result(1000, 11)], {
      date: new Date('2030-01-02T00:00:00Z'),
      cpus: 2,
      cpuModel: 'Some CPU',
      node: 'v20.0.0',
      loadAverage: 3.14,
    });
    expect(text).toContain('| 1000 | 165 | 22.00 s (27.50 s) | 1.10 s | 2000 |');
    expect(text).toContain('Flux builds x11.0');
    expect(text).toContain('- Flux builds of 5 x 1000 within 11x those of 5 x 100: x11.0, met');
    expect(text).toContain('- no Flux Kustomization of 5 x 1000 over 1 s to build: slowest 1.10 s, **missed**');
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
