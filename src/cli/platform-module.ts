/**
 * The platform module of a repository that uses the package: a `.ts` or `.js` file exporting
 * `environments` (in promotion order) and `teams` (the profile classes by namespace), or a
 * `platform` object with both.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { EnvironmentConfig } from '../config/environment-config';
import { PlatformDefinition } from './platform-definition';
import { formatLoadError } from './load-errors';

/** A platform module that cannot be found or loaded: one line saying what to do. */
export class PlatformModuleError extends Error {}

const MODULE_EXTENSIONS = ['.ts', '.cts', '.mts', '.js', '.cjs', '.mjs'];

/**
 * The platform module named by `cdk8s.yaml`'s `app` in `dir`: its last word that names a `.ts` or
 * `.js` file (`app: npx eks-istio-mesh synth --app platform.ts` names `platform.ts`).
 *
 * @returns the path relative to `dir`, or undefined when there is no such file or word
 */
export function appFromCdk8sYaml(dir: string): string | undefined {
  const file = path.join(dir, 'cdk8s.yaml');
  if (!fs.existsSync(file)) return undefined;
  let doc: unknown;
  try {
    doc = parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const app = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>).app : undefined;
  if (typeof app !== 'string') return undefined;
  const words = app.split(/\s+/).filter(w => MODULE_EXTENSIONS.includes(path.extname(w)));
  return words.length > 0 ? words[words.length - 1] : undefined;
}

/** Make `require` compile TypeScript with the `tsx` the repository installed. */
function registerTypeScript(dir: string, file: string): void {
  let api: string;
  try {
    api = require.resolve('tsx/cjs/api', { paths: [dir] });
  } catch {
    throw new PlatformModuleError(
      `cannot load ${file}: it is TypeScript and this repository has no tsx. fix: npm install --save-dev tsx, or compile the module and pass the .js file with --app`,
    );
  }
  (require(api) as { register: () => unknown }).register();
}

function isEnvironmentList(x: unknown): x is readonly EnvironmentConfig[] {
  return Array.isArray(x) && x.every(e => typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string');
}

/**
 * Load a platform module.
 *
 * @param dir the repository (relative module paths start here)
 * @param app the module; default from `cdk8s.yaml`'s `app`
 */
export function loadPlatformModule(dir: string, app?: string): PlatformDefinition {
  const name = app ?? appFromCdk8sYaml(dir);
  if (!name) {
    throw new PlatformModuleError(
      `no platform module: cdk8s.yaml in ${dir} names none. fix: pass --app <file> (a .ts or .js file exporting environments and teams), or set cdk8s.yaml's app to 'npx eks-istio-mesh synth --app <file>'`,
    );
  }
  const file = path.resolve(dir, name);
  if (!fs.existsSync(file)) {
    throw new PlatformModuleError(
      `platform module ${name} does not exist in ${dir}. fix: pass --app with the path of the module that exports environments and teams`,
    );
  }
  if (['.ts', '.cts', '.mts'].includes(path.extname(file))) registerTypeScript(dir, name);
  let exported: Record<string, unknown>;
  try {
    exported = require(file) as Record<string, unknown>;
  } catch (e) {
    throw new PlatformModuleError(formatLoadError(e, dir, `the platform module ${name}`));
  }
  const candidate = (typeof exported.platform === 'object' && exported.platform !== null ? exported.platform : exported) as Record<string, unknown>;
  const environments = candidate.environments;
  const teams = candidate.teams;
  if (!isEnvironmentList(environments)) {
    throw new PlatformModuleError(
      `platform module ${name} exports no 'environments' (got ${typeof environments}). fix: export const environments: EnvironmentConfig[] = [...] (in promotion order)`,
    );
  }
  if (typeof teams !== 'object' || teams === null || Array.isArray(teams)) {
    throw new PlatformModuleError(
      `platform module ${name} exports no 'teams' (got ${Array.isArray(teams) ? 'an array' : typeof teams}). fix: export const teams: TeamRegistry = { '<namespace>': ProfileClass }`,
    );
  }
  return {
    environments,
    teams: teams as PlatformDefinition['teams'],
    teamsSource: typeof candidate.teamsSource === 'string' ? candidate.teamsSource : `the teams of ${name}`,
    configSource: typeof candidate.configSource === 'function' ? (candidate.configSource as (n: string) => string) : () => name,
  };
}
