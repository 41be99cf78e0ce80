/**
 * `ApiObject.toJson()` without its per-value overhead, same result.
 *
 * cdk8s renders an object by resolving every value of it (arrays and mappings included) through
 * the app's resolvers, then sanitizing it: `cdk8s/lib/resolve.js` `resolve()` looks the app up
 * from the construct and allocates a context and a key path for each value, which made rendering
 * the largest phase of a synth. With the app's default resolvers (`LazyResolver`,
 * `ImplicitTokenResolver`, `NumberStringUnionResolver`, the only ones an app built by this library
 * has) only three kinds of values are ever replaced: a `Lazy` by what it produces, a value with a
 * `resolve()` method by what it returns, and a non-plain object with a number or string `value`
 * (IntOrString, Quantity) by `{ value }`. {@link renderObjects} resolves exactly those, walks the
 * rest once, and sanitizes as `cdk8s/lib/_util.js` `sanitizeValue` does; it takes the path of
 * cdk8s itself for any object it cannot vouch for (an app with other resolvers, or an object
 * without the fields cdk8s 2 keeps). The generated classes' own `toJson()` (the camelCase-to-wire
 * conversion of imports/ and cdk8s-plus) still runs: only the base method they call is replaced,
 * and only while {@link renderObjects} runs. `test/lib/render-objects.test.ts` compares both over
 * every object of the committed environments and of a generated platform.
 */
import { ApiObject, App, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import { IConstruct } from 'constructs';
import { hasOwnKeys } from '../core/own-keys';

const DEFAULT_RESOLVERS: readonly unknown[] = [LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver];

/** What cdk8s keeps on an ApiObject and its metadata (private fields, the same in every cdk8s 2). */
interface ObjectInternals {
  readonly props: Record<string, unknown>;
  readonly patches: JsonPatch[];
  readonly metadata: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels: Record<string, unknown>;
    readonly annotations: Record<string, unknown>;
    readonly finalizers: unknown[];
    readonly ownerReferences: unknown[];
    readonly _additionalAttributes: Record<string, unknown>;
  };
}

interface SanitizeOptions {
  readonly sortKeys: boolean;
  readonly filterEmpty: boolean;
}

/** How cdk8s sanitizes metadata: keys always sorted, empty values dropped. */
const METADATA_OPTIONS: SanitizeOptions = { sortKeys: true, filterEmpty: true };
/** How cdk8s sanitizes the object (`CDK8S_DISABLE_SORT` read once per {@link renderObjects}, not per object). */
let objectOptions: SanitizeOptions = { sortKeys: true, filterEmpty: false };

/**
 * `sanitizeValue(resolve(value))` of cdk8s in one walk: values the default resolvers replace are
 * replaced (and resolved again), undefined and null dropped, keys sorted, empty arrays and
 * mappings dropped when filtering, anything but a plain object refused. Plain mappings and
 * arrays, nearly every value of an object, are walked without asking about Lazy values or union
 * classes; the rest goes to {@link resolveOther}.
 */
function resolveAndSanitize(value: unknown, options: SanitizeOptions): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return typeof value === 'function' ? resolveOther(value, options) : value;
  const v = value as { resolve?: unknown; value?: unknown; constructor?: unknown };
  if (typeof v.resolve === 'function') return resolveOther(value, options);
  if (v.constructor !== Object) {
    // An array is a union class too when it has a number or string `value` (cdk8s asks every resolver about every value).
    if (!Array.isArray(value) || typeof v.value === 'number' || typeof v.value === 'string') return resolveOther(value, options);
    if (options.filterEmpty && value.length === 0) return undefined;
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = resolveAndSanitize(value[i], options);
    return out;
  }
  return entriesOf(value as Record<string, unknown>, options, resolveAndSanitize);
}

/** A value that is not a plain mapping or array: a Lazy, a value with `resolve()`, a union class (IntOrString, Quantity), a function or another object. */
function resolveOther(value: object, options: SanitizeOptions): unknown {
  const v = value as { resolve?: unknown; value?: unknown; constructor?: unknown };
  if (value instanceof Lazy) return resolveAndSanitize(value.produce(), options);
  if (typeof v.resolve === 'function') return resolveAndSanitize((v.resolve as () => unknown).call(value), options);
  if (v.constructor !== Object && (typeof v.value === 'number' || typeof v.value === 'string'))
    return resolveAndSanitize({ value: v.value }, options);
  if (typeof value === 'function') return value;
  // cdk8s resolves inside plain objects only; anything else is sanitized as it is (and refused).
  return sanitize(value, options);
}

/**
 * The keys of a mapping, sorted when sorting, in the order of `keys.sort()` (UTF-16 code units).
 * Most come sorted already and are only compared; the generated classes write theirs in the order
 * of the Kubernetes schema (`protocol, port`), a few at a time, and those are sorted in place, which
 * allocates nothing, unlike `Array.prototype.sort`.
 */
function sortedKeys(value: Record<string, unknown>, options: SanitizeOptions): string[] {
  const keys = Object.keys(value);
  if (!options.sortKeys) return keys;
  let i = 1;
  while (i < keys.length && keys[i - 1] < keys[i]) i++;
  if (i >= keys.length) return keys;
  if (keys.length > SORT_IN_PLACE_UP_TO) return keys.sort();
  for (; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    for (; j >= 0 && keys[j] > key; j--) keys[j + 1] = keys[j];
    keys[j + 1] = key;
  }
  return keys;
}

/** Mappings with more keys than this are sorted by `Array.prototype.sort`. */
const SORT_IN_PLACE_UP_TO = 16;

/** A mapping with each value rendered by `render`: keys sorted, values that render to nothing dropped. */
function entriesOf(
  value: Record<string, unknown>,
  options: SanitizeOptions,
  render: (v: unknown, options: SanitizeOptions) => unknown,
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let kept = 0;
  for (const key of sortedKeys(value, options)) {
    const rendered = render(value[key], options);
    if (rendered !== null && rendered !== undefined) {
      out[key] = rendered;
      kept++;
    }
  }
  return options.filterEmpty && kept === 0 ? undefined : out;
}

/** `sanitizeValue` of cdk8s, for a value no resolver looks into. */
function sanitize(value: unknown, options: SanitizeOptions): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (options.filterEmpty && value.length === 0) return undefined;
    return value.map(x => sanitize(x, options));
  }
  const name = (value.constructor as { name?: string } | undefined)?.name;
  if (name !== 'Object') throw new Error(`can't render non-simple object of type '${name}'`);
  return entriesOf(value as Record<string, unknown>, options, sanitize);
}

function internalsOf(o: ApiObject): ObjectInternals | undefined {
  const x = o as unknown as Partial<ObjectInternals>;
  const m = x.metadata as Partial<ObjectInternals['metadata']> | undefined;
  const ok =
    typeof x.props === 'object' &&
    Array.isArray(x.patches) &&
    typeof m === 'object' &&
    typeof m._additionalAttributes === 'object' &&
    typeof m.labels === 'object' &&
    typeof m.annotations === 'object' &&
    Array.isArray(m.finalizers) &&
    Array.isArray(m.ownerReferences);
  return ok ? (x as ObjectInternals) : undefined;
}

const defaultResolversOf = new WeakMap<App, boolean>();

function appHasDefaultResolvers(scope: IConstruct): boolean {
  const app = App.of(scope);
  let defaults = defaultResolversOf.get(app);
  if (defaults === undefined) {
    const classes = app.resolvers.map(r => r.constructor);
    defaults = classes.length === DEFAULT_RESOLVERS.length && classes.every((c, i) => c === DEFAULT_RESOLVERS[i]);
    defaultResolversOf.set(app, defaults);
  }
  return defaults;
}

/** `ApiObject.prototype.toJson` of cdk8s, kept while {@link renderObjects} replaces it. */
const cdk8sToJson = ApiObject.prototype.toJson;

/** The keys cdk8s puts first in a rendered object, in this order; the others follow in theirs. */
const HEAD_KEYS = ['apiVersion', 'kind', 'metadata'] as const;

function baseToJson(this: ApiObject): unknown {
  const internals = internalsOf(this);
  if (!internals || !appHasDefaultResolvers(this)) return cdk8sToJson.call(this);
  try {
    const m = internals.metadata;
    // The fields cdk8s sets, with their keys in sorted order, so that a mapping without other
    // attributes is not sorted again for every object; they win over other attributes, as in cdk8s.
    const known = {
      annotations: m.annotations,
      finalizers: m.finalizers,
      labels: m.labels,
      name: m.name,
      namespace: m.namespace,
      ownerReferences: m.ownerReferences,
    };
    const metadata = resolveAndSanitize(hasOwnKeys(m._additionalAttributes) ? { ...m._additionalAttributes, ...known } : known, METADATA_OPTIONS);
    const json = resolveAndSanitize({ ...internals.props, metadata }, objectOptions) as Record<string, unknown>;
    const patched = (internals.patches.length > 0 ? JsonPatch.apply(json, ...internals.patches) : json) as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (const key of HEAD_KEYS) if (key in patched) result[key] = patched[key];
    for (const key of Object.keys(patched)) result[key] = patched[key];
    return result;
  } catch (e) {
    throw new Error(`Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${e}`, { cause: e });
  }
}

/**
 * Call `render` with `ApiObject.prototype.toJson` taking the direct path above; cdk8s's own
 * method is back in place when it returns or throws.
 */
export function renderObjects<T>(render: () => T): T {
  const proto = ApiObject.prototype as { toJson: () => unknown };
  objectOptions = { sortKeys: !process.env.CDK8S_DISABLE_SORT, filterEmpty: false };
  proto.toJson = baseToJson;
  try {
    return render();
  } finally {
    proto.toJson = cdk8sToJson;
  }
}
