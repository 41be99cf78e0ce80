import { parseAllDocuments } from 'yaml';
import { ALL_RULES, LocatedManifest, MeshRule, ResolvedEnvironment, runRules } from '../../src';

/** Objects from YAML text, as if read from `file`. */
export function objects(yaml: string, file = 'test.yaml'): LocatedManifest[] {
  return parseAllDocuments(yaml)
    .map(d => d.toJS())
    .filter(Boolean)
    .map(manifest => ({ manifest: { ...manifest, metadata: manifest.metadata ?? {} }, file }));
}

/** Messages of one rule on some YAML (rules see all objects, as in an environment). */
export function findings(rule: MeshRule, yaml: string, env?: ResolvedEnvironment): string[] {
  return runRules(objects(yaml), [rule], env)
    .results.filter(r => r.rule.id === rule.id)
    .map(r => r.message);
}

export function rule(id: string): MeshRule {
  const found = ALL_RULES.find(r => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
}
