import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './util';

const DEPCRUISE = path.join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

/** The violations the layer check finds in `src/` of `cwd`. */
function violationsIn(cwd: string): Violation[] {
  const run = spawnSync(DEPCRUISE, ['src', '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

/** The exit code of the layer check as `npm run lint:arch` runs it (the JSON output always exits 0). */
function lintArchStatus(cwd: string): number | null {
  return spawnSync(DEPCRUISE, ['src', '--config', CONFIG], { cwd, encoding: 'utf8' }).status;
}

describe('import layers (.dependency-cruiser.cjs)', () => {
  let fixture: string;
  beforeAll(() => {
    fixture = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-layers-'));
    const files: Record<string, string> = {
      // A circle inside one layer.
      'src/diff/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'src/diff/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
      // Upward: the model importing the pipeline, and a check importing the command line.
      'src/core/model.ts': "import { run } from '../synth/run';\nexport const model = run;\n",
      'src/synth/run.ts': 'export const run = 1;\n',
      'src/checks/rule.ts': "import { cli } from '../cli/main';\nexport const rule = cli;\n",
      'src/cli/main.ts': 'export const cli = 1;\n',
      // The library importing this platform's composition.
      'src/constructs/chart.ts': "import { platform } from '../../charts/platform';\nexport const chart = platform;\n",
      'charts/platform.ts': 'export const platform = 1;\n',
      // Downward and type-only imports are allowed.
      'src/report/view.ts':
        "import type { run } from '../synth/run';\nimport { model } from '../core/model';\nexport type View = typeof run;\nexport const view = model;\n",
    };
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(fixture, file)), { recursive: true });
      fs.writeFileSync(path.join(fixture, file), text);
    }
  });
  afterAll(() => fs.rmSync(fixture, { recursive: true, force: true }));

  it('reports a circle, imports that point up a layer (type-only too) and the library importing charts/', () => {
    const found = violationsIn(fixture)
      .map(v => `${v.rule.name}: ${v.from} -> ${v.to}`)
      .sort();
    expect(found).toEqual([
      'core-imports-nothing: src/core/model.ts -> src/synth/run.ts',
      'layer-checks: src/checks/rule.ts -> src/cli/main.ts',
      'layer-report-diff: src/report/view.ts -> src/synth/run.ts',
      'library-not-instance: src/constructs/chart.ts -> charts/platform.ts',
      'no-circular: src/diff/a.ts -> src/diff/b.ts',
    ]);
    expect(lintArchStatus(fixture)).not.toBe(0);
  });

  it('finds nothing in this library', () => {
    expect(violationsIn(ROOT)).toEqual([]);
  });
});
