/**
 * `npm run check -- <dirs or files>`: the mesh rules over any folder of YAML.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { EnvironmentConfig } from '../config/environment-config';
import { resolveEnvironment, ResolvedEnvironment } from '../config/resolve-environment';
import { ALL_RULES, LocatedManifest, MeshRule, RuleResult, runRules, Severity } from '../rules';

/** Output formats of the report. */
export enum ReportFormat {
  TEXT = 'text',
  JSON = 'json',
  GITHUB = 'github',
}

/** Options of {@link runCheck}. */
export interface RunCheckOptions {
  /** Files or folders to read (folders recursively, `.yaml` and `.yml`). */
  readonly paths: readonly string[];
  /** Known environments; a folder named after one (e.g. `dist/prod`) is checked with its config. */
  readonly environments?: readonly EnvironmentConfig[];
  /**
   * Check every path as this environment.
   *
   * @default - inferred from folder names, else none
   */
  readonly env?: string;
  /** @default ReportFormat.TEXT */
  readonly format?: ReportFormat;
  /** @default ALL_RULES */
  readonly rules?: readonly MeshRule[];
  /** @default console.log */
  readonly out?: (text: string) => void;
}

interface Group {
  readonly name: string;
  readonly env?: ResolvedEnvironment;
  readonly objects: LocatedManifest[];
}

function yamlFiles(p: string): string[] {
  const stat = fs.statSync(p);
  if (stat.isFile()) return [p];
  return fs.readdirSync(p, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).flatMap(e => {
    const child = path.join(p, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name.startsWith('.') ? [] : yamlFiles(child);
    return /\.ya?ml$/.test(e.name) ? [child] : [];
  });
}

/** Read Kubernetes objects from a file; documents that are not objects (kustomization.yaml) are skipped. */
function readObjects(file: string, display: string): { objects: LocatedManifest[]; errors: string[] } {
  const objects: LocatedManifest[] = [];
  const errors: string[] = [];
  for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    if (doc.errors.length > 0) {
      errors.push(`${display}: not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
      continue;
    }
    const value = doc.toJS();
    if (!value || typeof value !== 'object' || !value.apiVersion || !value.kind || String(value.apiVersion).startsWith('kustomize.config.k8s.io')) continue;
    objects.push({ manifest: { ...value, metadata: value.metadata ?? {} }, file: display });
  }
  return { objects, errors };
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
  const missing = options.paths.filter(p => !fs.existsSync(p));
  if (options.paths.length === 0 || missing.length > 0) {
    out(options.paths.length === 0 ? 'usage: check <dir or file>...' : `no such file or folder: ${missing.join(', ')}`);
    return 2;
  }

  // Group files: by --env, else by an environment-named folder on their path, else all together.
  const groups = new Map<string, Group>();
  const readErrors: string[] = [];
  for (const p of options.paths) {
    for (const file of yamlFiles(p)) {
      const display = path.relative(process.cwd(), file) || file;
      const folderEnv = options.env ?? path.resolve(file).split(path.sep).reverse().find(part => environments.has(part));
      const key = folderEnv ?? '(files)';
      if (!groups.has(key)) groups.set(key, { name: key, env: folderEnv ? resolve(folderEnv) : undefined, objects: [] });
      const { objects, errors } = readObjects(file, display);
      groups.get(key)!.objects.push(...objects);
      readErrors.push(...errors);
    }
  }

  const results: Array<RuleResult & { group: string }> = [];
  const silenced: Array<RuleResult & { group: string }> = [];
  for (const group of groups.values()) {
    const report = runRules(group.objects, options.rules ?? ALL_RULES, group.env);
    results.push(...report.results.map(r => ({ ...r, group: group.name })));
    silenced.push(...report.silenced.map(r => ({ ...r, group: group.name })));
  }
  const errors = results.filter(r => r.rule.severity === Severity.ERROR).length + readErrors.length;
  const warnings = results.length - (errors - readErrors.length);
  const objects = [...groups.values()].reduce((n, g) => n + g.objects.length, 0);

  switch (options.format ?? ReportFormat.TEXT) {
    case ReportFormat.JSON:
      out(JSON.stringify({
        summary: { objects, errors, warnings, silenced: silenced.length },
        readErrors,
        results: results.map(r => ({ environment: r.group, file: r.object.file, object: `${r.object.manifest.kind} ${r.object.manifest.metadata.namespace ?? ''}/${r.object.manifest.metadata.name}`, rule: r.rule.id, severity: r.rule.severity, title: r.rule.title, message: r.message, fix: r.fix, why: r.rule.why })),
        silenced: silenced.map(r => ({ environment: r.group, file: r.object.file, rule: r.rule.id, message: r.message, reason: r.silencedBecause })),
      }, null, 2));
      break;
    case ReportFormat.GITHUB:
      for (const e of readErrors) out(`::error::${e}`);
      for (const r of results) out(`::${r.rule.severity === Severity.ERROR ? 'error' : 'warning'} file=${r.object.file},title=${r.rule.id}::${r.message}. fix: ${r.fix}`);
      for (const r of silenced) out(`::notice file=${r.object.file},title=${r.rule.id} (silenced)::${r.message}. reason: ${r.silencedBecause}`);
      break;
    default: {
      for (const e of readErrors) out(`error  ${e}`);
      let file = '';
      for (const r of results) {
        if (r.object.file !== file) {
          file = r.object.file;
          out(`\n${file}`);
        }
        out(`  ${r.rule.severity.padEnd(7)} ${r.rule.id}  ${r.message}`);
        out(`          fix: ${r.fix}`);
      }
      if (silenced.length > 0) {
        out(`\nsilenced (${silenced.length}):`);
        for (const r of silenced) out(`  ${r.object.file}  ${r.rule.id}  ${r.message}\n          reason: ${r.silencedBecause}`);
      }
      out(`\n${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}, ${silenced.length} silenced; ${objects} objects checked`);
    }
  }
  return errors > 0 ? 1 : 0;
}

/** The rule catalog as a Markdown table. */
export function rulesTable(rules: readonly MeshRule[] = ALL_RULES): string {
  const rows = rules.map(r => `| \`${r.id}\` | ${r.severity} | ${r.title} | ${r.why} | ${r.fix} |`);
  return ['| rule | severity | what | why | fix |', '|---|---|---|---|---|', ...rows].join('\n');
}
