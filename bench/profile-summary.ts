/**
 * Summarize a V8 CPU profile (`node --cpu-prof`): the functions and the packages with the most
 * self time.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [--top 25]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One row of the summary: a name and its self time in milliseconds. */
export interface SelfTime {
  readonly name: string;
  readonly ms: number;
}

/** Where a script URL belongs: a package under node_modules, a project folder, or node itself. */
export function ownerOf(url: string): string {
  if (!url) return '(native/gc)';
  if (url.startsWith('node:')) return 'node';
  const file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel.split(path.sep).slice(0, 2).join('/');
}

/** Self time per function and per owner (package or project folder), largest first. */
export function summarize(profile: CpuProfile): { total: number; functions: SelfTime[]; owners: SelfTime[] } {
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functions = new Map<string, number>();
  const owners = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    const where = f.url ? `${ownerOf(f.url)}/${path.basename(f.url)}:${f.lineNumber + 1}` : '';
    const name = `${f.functionName || '(anonymous)'} ${where}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + us / 1000);
    owners.set(ownerOf(f.url), (owners.get(ownerOf(f.url)) ?? 0) + us / 1000);
  }
  const sorted = (m: Map<string, number>) => [...m].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
  return { total: (profile.endTime - profile.startTime) / 1000, functions: sorted(functions), owners: sorted(owners) };
}

function main(argv: readonly string[]): void {
  const file = argv.find(a => !a.startsWith('--'));
  if (!file) {
    console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [--top N]');
    process.exitCode = 2;
    return;
  }
  const topIndex = argv.indexOf('--top');
  const top = topIndex >= 0 ? Number(argv[topIndex + 1]) : 25;
  const { total, functions, owners } = summarize(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile);
  const line = (r: SelfTime) => `${r.ms.toFixed(0).padStart(7)} ms ${((100 * r.ms) / total).toFixed(1).padStart(5)}%  ${r.name}`;
  console.log(`profile ${path.basename(file)}: ${total.toFixed(0)} ms\n\nself time by package or folder:`);
  owners.slice(0, 15).forEach(r => console.log(line(r)));
  console.log(`\ntop ${top} functions by self time:`);
  functions.slice(0, top).forEach(r => console.log(line(r)));
}

if (require.main === module) main(process.argv.slice(2));
