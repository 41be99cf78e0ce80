/**
 * The first pass over a config: every object level is an object and has only known fields. The
 * configs run through tsx without type checking, so a typo would otherwise be dropped silently.
 */
import { closestName } from '../../core/closest';
import { byCodePoint } from '../../core/sort';
import { Problem } from '../../core/problem';
import {
  ALB_CONFIG_FIELDS,
  AVAILABILITY_CONFIG_FIELDS,
  CLUSTER_CONFIG_FIELDS,
  ENCRYPTED_STORAGE_CONFIG_FIELDS,
  ENVIRONMENT_CONFIG_FIELDS,
  EnvironmentConfig,
  FLUX_CONFIG_FIELDS,
  INGRESS_GATEWAY_CONFIG_FIELDS,
  ISTIO_CONFIG_FIELDS,
  MONITORING_CONFIG_FIELDS,
  NAMESPACE_SETTINGS_FIELDS,
  TELEMETRY_CONFIG_FIELDS,
} from '../environment-config';
import { isPlainObject } from './validators';

/** Fields the config once had, each reported with its own message instead of "unknown". */
const RETIRED_FIELDS: Readonly<Record<string, readonly string[]>> = { ingressGateway: ['hosts'] };

/** The object levels of an environment config and their known fields. */
const CONFIG_LEVELS: ReadonlyArray<readonly [string, Readonly<Record<string, true>>]> = [
  ['alb', ALB_CONFIG_FIELDS],
  ['istio', ISTIO_CONFIG_FIELDS],
  ['ingressGateway', INGRESS_GATEWAY_CONFIG_FIELDS],
  ['telemetry', TELEMETRY_CONFIG_FIELDS],
  ['flux', FLUX_CONFIG_FIELDS],
  ['encryptedStorage', ENCRYPTED_STORAGE_CONFIG_FIELDS],
  ['availability', AVAILABILITY_CONFIG_FIELDS],
  ['cluster', CLUSTER_CONFIG_FIELDS],
  ['monitoring', MONITORING_CONFIG_FIELDS],
];
/** Fields whose value is a map with free keys (names, labels, tags), not an object with known fields. */
const MAP_FIELDS = ['namespaces', 'retiredNamespaces', 'tags'];

/**
 * Unknown fields at every object level, and levels that are not objects (`malformed`: nothing
 * below such a level can be read, so resolution stops there).
 */
export function unknownFieldProblems(config: EnvironmentConfig): { problems: Problem[]; malformed: boolean } {
  const problems: Problem[] = [];
  let malformed = false;
  const check = (path: string, what: string, value: unknown, known: Readonly<Record<string, true>>) => {
    if (value === undefined) return;
    if (!isPlainObject(value)) {
      malformed = true;
      problems.push({
        field: path || '(config)',
        value,
        message: `must be an object (${what})`,
        fix: `give ${path} as { ${Object.keys(known).slice(0, 3).join(', ')}, ... }, or remove it`,
      });
      return;
    }
    const retired = RETIRED_FIELDS[path] ?? [];
    for (const key of Object.keys(value).sort(byCodePoint)) {
      if (key in known || retired.includes(key)) continue;
      const near = closestName(key, Object.keys(known));
      const field = path === '' ? key : `${path}.${key}`;
      problems.push({
        field,
        value: value[key],
        message: `is not a field of ${what}: '${key}' is unknown${near ? ` (did you mean '${near}'?)` : ''}`,
        fix: near ? `rename '${key}' to '${near}'` : `remove it; ${what} has ${Object.keys(known).join(', ')}`,
      });
    }
  };
  check('', 'EnvironmentConfig', config, ENVIRONMENT_CONFIG_FIELDS);
  if (!isPlainObject(config)) return { problems, malformed };
  for (const [path, known] of CONFIG_LEVELS) check(path, path, config[path as keyof EnvironmentConfig], known);
  for (const field of MAP_FIELDS) {
    const value = config[field as keyof EnvironmentConfig];
    if (value !== undefined && !isPlainObject(value)) {
      malformed = true;
      problems.push({ field, value, message: 'must be an object keyed by name', fix: `give ${field} as { <name>: ... }, or remove it` });
    }
  }
  if (isPlainObject(config.namespaces)) {
    for (const [ns, settings] of Object.entries(config.namespaces).sort(([a], [b]) => byCodePoint(a, b))) {
      check(`namespaces['${ns}']`, `the settings of namespace ${ns}`, settings, NAMESPACE_SETTINGS_FIELDS);
    }
  }
  return { problems, malformed };
}
