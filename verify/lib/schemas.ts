/**
 * JSON schemas for kubeconform, in its local layout
 * `<dir>/<group>/<kind>_<version>.json` (`<group>` is the version for the core group, as
 * kubeconform's `{{ .Group }}` gives it):
 *
 * - custom resources: the pinned CRDs' `openAPIV3Schema`, with `metadata` checked as ObjectMeta;
 * - core kinds: the OpenAPI v3 that the loopback API server publishes (`/openapi/v3`).
 *
 * Every object schema without `x-kubernetes-preserve-unknown-fields` gets
 * `additionalProperties: false`, so `kubeconform -strict` rejects unknown fields. CEL rules are
 * dropped: JSON schema cannot express them (the API server stage evaluates them).
 *
 * Schemas are cached outside git, keyed by the Kubernetes version, the CRD digests and
 * {@link SCHEMA_FORMAT}; they are written to a temporary folder and renamed into place.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ControlPlane } from './apiserver';
import { Crd } from './crds';

/** Bump when the conversion changes, so cached schemas are rebuilt. */
export const SCHEMA_FORMAT = 3;

/** kubeconform's `-schema-location` for a folder written by {@link writeSchemas}. */
export function schemaLocation(dir: string): string {
  return `${dir}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`;
}

type Schema = Record<string, unknown>;
type Definitions = Record<string, Schema>;

const REF_PREFIX = '#/components/schemas/';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = [{ type: 'integer' }, { type: 'string' }];

/**
 * An OpenAPI v3 schema as a strict draft-4 JSON schema (what kubeconform compiles).
 *
 * @param node the OpenAPI schema; `$ref`s to `#/components/schemas/` become `#/definitions/`
 */
export function toStrictJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toStrictJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const src = node as Schema;
  const out: Schema = {};
  for (const key of Object.keys(src).sort()) {
    const value = src[key];
    if (key.startsWith('x-kubernetes-') || key === 'description' || key === 'format' || key === 'example' || key === 'nullable') continue;
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.startsWith(REF_PREFIX) ? `#/definitions/${value.slice(REF_PREFIX.length)}` : value;
    } else if (key === 'properties' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.keys(value as Schema).sort().map(k => [k, toStrictJsonSchema((value as Schema)[k])]));
    } else {
      out[key] = toStrictJsonSchema(value);
    }
  }
  // `allOf: [{$ref}]` (how OpenAPI v3 attaches a default to a reference) hides the cause of a
  // failure behind "'allOf' failed"; a plain `$ref` says what is wrong.
  const allOf = out.allOf as Schema[] | undefined;
  if (allOf?.length === 1 && Object.keys(allOf[0]).length === 1 && allOf[0].$ref && out.$ref === undefined) {
    out.$ref = allOf[0].$ref;
    delete out.allOf;
  }
  if (src['x-kubernetes-int-or-string'] === true || src.format === 'int-or-string') {
    delete out.type;
    if (!out.anyOf && !out.oneOf) out.anyOf = INT_OR_STRING;
  }
  const preserve = src['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.properties && out.additionalProperties === undefined && !preserve) out.additionalProperties = false;
  if (src.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

/** Names of the component schemas a schema refers to, transitively, sorted. */
function referenced(root: unknown, components: Definitions): string[] {
  const seen = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node as Schema)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) {
        const name = value.slice(REF_PREFIX.length);
        if (!seen.has(name) && components[name]) {
          seen.add(name);
          visit(components[name]);
        }
      } else {
        visit(value);
      }
    }
  };
  visit(root);
  return [...seen].sort();
}

/** A standalone schema: the root and the definitions it uses. */
function standalone(root: Schema, components: Definitions): Schema {
  const names = referenced(root, components);
  const out = toStrictJsonSchema(root) as Schema;
  if (names.length > 0) {
    out.definitions = Object.fromEntries(names.map(n => [n, n === QUANTITY ? { anyOf: [{ type: 'string' }, { type: 'number' }] } : toStrictJsonSchema(components[n])]));
  }
  return out;
}

function write(dir: string, group: string, version: string, kind: string, schema: Schema): void {
  const folder = path.join(dir, group || version);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, `${kind.toLowerCase()}_${version}.json`), `${JSON.stringify(schema, null, 1)}\n`);
}

/**
 * The OpenAPI v3 documents of the server's built-in group-versions (call before installing CRDs,
 * or pass the CRD groups to leave out).
 */
async function builtInDocuments(plane: ControlPlane, skipGroups: ReadonlySet<string>): Promise<Array<{ groupVersion: string; components: Definitions }>> {
  const index = await plane.request('GET', '/openapi/v3');
  if (index.status !== 200) throw new Error(`GET /openapi/v3: HTTP ${index.status}: ${index.body.slice(0, 300)}`);
  const docs: Array<{ groupVersion: string; components: Definitions }> = [];
  const paths = index.json.paths as Record<string, { serverRelativeURL: string }>;
  for (const p of Object.keys(paths).sort()) {
    const m = /^(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(p);
    if (!m) continue;
    const groupVersion = m[1] ?? `${m[2]}/${m[3]}`;
    if (m[2] && skipGroups.has(m[2])) continue;
    const res = await plane.request('GET', paths[p].serverRelativeURL);
    if (res.status !== 200) throw new Error(`GET ${paths[p].serverRelativeURL}: HTTP ${res.status}`);
    docs.push({ groupVersion, components: (res.json.components?.schemas ?? {}) as Definitions });
  }
  return docs;
}

/**
 * Write kubeconform schemas for the built-in kinds of the server and for the CRDs.
 *
 * @returns how many schema files were written
 */
export async function writeSchemas(dir: string, plane: ControlPlane, crds: readonly Crd[]): Promise<number> {
  let count = 0;
  const crdGroups = new Set(crds.map(c => c.spec.group));
  let coreComponents: Definitions | undefined;
  for (const { groupVersion, components } of await builtInDocuments(plane, crdGroups)) {
    if (groupVersion === 'v1') coreComponents = components;
    const [group, version] = groupVersion.includes('/') ? groupVersion.split('/') : ['', groupVersion];
    for (const name of Object.keys(components).sort()) {
      const gvks = (components[name]['x-kubernetes-group-version-kind'] ?? []) as Array<{ group: string; version: string; kind: string }>;
      for (const gvk of gvks.filter(g => g.group === group && g.version === version)) {
        write(dir, group, version, gvk.kind, standalone(components[name], components));
        count++;
      }
    }
  }
  if (!coreComponents?.[OBJECT_META]) throw new Error('the API server published no ObjectMeta schema in /openapi/v3/api/v1');
  for (const crd of crds) {
    for (const v of crd.spec.versions.filter(x => x.served && x.schema?.openAPIV3Schema)) {
      const root = v.schema!.openAPIV3Schema!;
      const properties = { ...(root.properties as Schema | undefined) };
      properties.apiVersion = { type: 'string', enum: [`${crd.spec.group}/${v.name}`] };
      properties.kind = { type: 'string', enum: [crd.spec.names.kind] };
      properties.metadata = { $ref: `${REF_PREFIX}${OBJECT_META}` };
      const withMeta: Schema = { ...root, type: 'object', properties, required: [...new Set(['apiVersion', 'kind', 'metadata', ...((root.required as string[] | undefined) ?? [])])] };
      write(dir, crd.spec.group, v.name, crd.spec.names.kind, standalone(withMeta, coreComponents));
      count++;
    }
  }
  return count;
}

/** Cache key of a schema folder. */
export function schemaCacheKey(kubernetesVersion: string, crdDigests: readonly string[]): string {
  const hash = createHash('sha256').update(JSON.stringify({ SCHEMA_FORMAT, kubernetesVersion, crdDigests })).digest('hex');
  return `${kubernetesVersion}-${hash.slice(0, 16)}`;
}

/**
 * The schema folder for these inputs, written when not cached yet.
 *
 * @param build writes the schemas into the folder it is given
 */
export async function cachedSchemaDir(cacheRoot: string, key: string, build: (dir: string) => Promise<number>): Promise<{ dir: string; fromCache: boolean }> {
  const dir = path.join(cacheRoot, key);
  if (fs.existsSync(path.join(dir, '.complete'))) return { dir, fromCache: true };
  fs.mkdirSync(cacheRoot, { recursive: true });
  const tmp = fs.mkdtempSync(`${dir}.building-`);
  try {
    const count = await build(tmp);
    fs.writeFileSync(path.join(tmp, '.complete'), `${count} schemas\n`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { dir, fromCache: false };
}
