/**
 * `npm run check -- <dirs or files>`: the mesh rules over any folder of YAML.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentConfig } from '../config/environment-config';
import { resolveEnvironment } from '../config/resolve-environment';
import { ALL_RULES, MeshRule, runRules, Severity } from '../checks/rules';
import { buildKustomization, displayOf, kustomizationOf, ReadNotes, readObjects, withDefaultNamespace, yamlFiles } from './check-files';
import { CheckGroup, GroupedResult, ReportFormat, reportLines } from './check-report';

export { MAX_FILE_BYTES } from './check-files';
export { ReportFormat, rulesTable } from './check-report';

/** Options of {@link runCheck}. */
export interface RunCheckOptions {
  /** Files or folders to read (folders recursively, `.yaml` and `.yml`). */
  readonly paths: readonly string[];
  /** Known environments: `env`, or a folder of `distDir` named after one (`dist/prod`), is checked with its config. */
  readonly environments?: readonly EnvironmentConfig[];
  /**
   * The project's own output folder: only files under `<distDir>/<env>` (or `<distDir>/flux/<env>`)
   * get an environment's config from their path. A folder elsewhere named like an environment does not.
   *
   * @default - none: environments only with `env`
   */
  readonly distDir?: string;
  /**
   * Check every path as this environment.
   *
   * @default - from the path under `distDir`, else none
   */
  readonly env?: string;
  /** @default ReportFormat.TEXT */
  readonly format?: ReportFormat;
  /** @default ALL_RULES */
  readonly rules?: readonly MeshRule[];
  /** @default console.log */
  readonly out?: (text: string) => void;
}

/**
 * Read the paths and run the rules, one group per environment.
 *
 * @returns the exit code: 0 no error, 1 errors found, 2 bad usage or unreadable input
 */
export function runCheck(options: RunCheckOptions): number {
  const out = options.out ?? console.log;
  const environments = new Map((options.environments ?? []).map(e => [e.name, e]));
  const resolve = (name: string) => {
    const config = environments.get(name);
    return config ? resolveEnvironment(config).env : undefined;
  };
  if (options.env && !environments.has(options.env)) {
    out(`unknown environment ${options.env}; known: ${[...environments.keys()].join(', ') || '(none)'}`);
    return 2;
  }
  const exists = (p: string) => {
    try {
      fs.lstatSync(p);
      return true;
    } catch {
      return false;
    }
  };
  const missing = options.paths.filter(p => !exists(p));
  if (options.paths.length === 0 || missing.length > 0) {
    out(options.paths.length === 0 ? 'usage: check <dir or file>...' : `no such file or folder: ${missing.join(', ')}`);
    return 2;
  }

  // Group files: by --env, else by their environment folder under distDir, else all together.
  // A folder with a kustomization.yaml is checked as what it builds; other files as loose files.
  const groups = new Map<string, CheckGroup>();
  const notes: ReadNotes = { errors: [], skipped: [] };
  const readErrors = notes.errors;
  const visited = new Set<string>();
  const distDir = options.distDir ? path.resolve(options.distDir) : undefined;
  const envOf = (p: string): string | undefined => {
    if (options.env) return options.env;
    if (!distDir) return undefined;
    const rel = path.relative(distDir, path.resolve(p));
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    const parts = rel.split(path.sep);
    const candidate = parts[0] === 'flux' ? parts[1] : parts[0];
    return candidate !== undefined && environments.has(candidate) ? candidate : undefined;
  };
  const groupFor = (envName: string | undefined, fallback: string): CheckGroup => {
    const key = envName ?? fallback;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { name: key, env: envName ? resolve(envName) : undefined, objects: [], units: new Set() }));
    return group;
  };
  const roots: string[] = [];
  for (const p of options.paths) {
    for (const file of yamlFiles(p, notes, visited, true, roots)) {
      const display = displayOf(file);
      let real = file;
      try {
        real = fs.realpathSync(file);
      } catch {
        // read below, which names the error
      }
      if (visited.has(real)) {
        notes.skipped.push(`${display}: skipped: it is ${displayOf(real)}, which is checked already`);
        continue;
      }
      visited.add(real);
      const group = groupFor(envOf(file), '(files)');
      group.units.add(`${displayOf(p)} (YAML files without a kustomization.yaml, checked as if applied together)`);
      const { objects, errors } = readObjects(file, display, notes.skipped);
      group.objects.push(...objects.map(withDefaultNamespace));
      readErrors.push(...errors);
    }
  }
  // Each kustomization found is built; one that another one includes is checked in that build only.
  const builds = roots.map(root => ({ root, build: buildKustomization(root, { errors: [], skipped: [] }) }));
  const included = new Set(builds.flatMap(b => [...b.build.folders].filter(f => f !== path.resolve(b.root))));
  for (const { root } of builds) {
    if (included.has(path.resolve(root))) {
      notes.skipped.push(`${displayOf(root)}: checked as part of the kustomization that includes it`);
      continue;
    }
    const build = buildKustomization(root, notes);
    const envName = envOf(root);
    const group = groupFor(envName, envName ? envName : `build ${displayOf(root)}`);
    group.units.add(`${displayOf(kustomizationOf(root)!)} (what it builds)`);
    group.objects.push(...build.objects.map(withDefaultNamespace));
  }

  const results: GroupedResult[] = [];
  const silenced: GroupedResult[] = [];
  for (const group of groups.values()) {
    let report: ReturnType<typeof runRules>;
    try {
      report = runRules(group.objects, options.rules ?? ALL_RULES, group.env, (rule, e) =>
        readErrors.push(`${group.name}: rule ${rule.id} could not run: ${e.message}`),
      );
    } catch (e) {
      readErrors.push(`${group.name}: the rules could not run over these files: ${(e as Error).message}`);
      continue;
    }
    results.push(...report.results.map(r => ({ ...r, group: group.name })));
    silenced.push(...report.silenced.map(r => ({ ...r, group: group.name })));
  }
  const errors = results.filter(r => r.rule.severity === Severity.ERROR).length + readErrors.length;
  const warnings = results.length - (errors - readErrors.length);
  const objects = [...groups.values()].reduce((n, g) => n + g.objects.length, 0);

  for (const line of reportLines(options.format ?? ReportFormat.TEXT, {
    groups: [...groups.values()],
    readErrors,
    skipped: notes.skipped,
    results,
    silenced,
    errors,
    warnings,
    objects,
  }))
    out(line);
  return errors > 0 ? 1 : 0;
}
