/**
 * Where the pinned CRD schemas are read from, and their extraction: the keys of an openAPIV3Schema
 * the schema check reads (descriptions, CEL rules, formats, examples dropped; keys sorted), and
 * every version of every CRD of a YAML file, in the format `npm run import` commits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

export type JsonSchema = Record<string, unknown>;

/** Folder (under the project root) of the schemas `npm run import` extracts from the pinned CRDs; committed. */
export const CRD_SCHEMAS_FOLDER = 'crd-schemas';

/** Marks a file of {@link CRD_SCHEMAS_FOLDER}; a file with another `format` is not read. */
export const CRD_SCHEMAS_FORMAT = 'eks-istio-mesh/crd-schemas/v1';

/** A folder holding at least one file the schema check reads (`.yaml` CRDs or extracted `.json`). */
function holdsSchemaFiles(dir: string, exts: readonly string[]): boolean {
  return fs.existsSync(dir) && fs.statSync(dir).isDirectory() && fs.readdirSync(dir).some(f => exts.some(ext => f.endsWith(ext)));
}

/**
 * Where the schema check reads the pinned CRDs, first found of: `EKS_MESH_CRDS` (a folder of CRD
 * files, or of extracted schemas) and the committed {@link CRD_SCHEMAS_FOLDER} of the project.
 * Nothing outside the project is looked for.
 *
 * @returns the folder, or undefined when neither holds anything to read
 */
export function findCrdDir(root: string): string | undefined {
  const candidates = [process.env.EKS_MESH_CRDS, path.join(root, CRD_SCHEMAS_FOLDER)];
  return candidates.find((dir): dir is string => !!dir && holdsSchemaFiles(dir, ['.yaml', '.json']));
}

/**
 * Where complete CRD files (CEL rules and all, as a real API server needs them) can be read, first
 * found of: `EKS_MESH_CRDS` and the copy `npm run import` keeps in `<root>/.crds` (not committed).
 *
 * @returns the folder, or undefined when neither holds CRD files
 */
export function findCrdFileDir(root: string): string | undefined {
  const candidates = [process.env.EKS_MESH_CRDS, path.join(root, '.crds')];
  return candidates.find((dir): dir is string => !!dir && holdsSchemaFiles(dir, ['.yaml']));
}

/**
 * Keys of a CRD schema that the schema check never reads; {@link extractSchema} drops them. The
 * check reads `x-kubernetes-int-or-string` and `x-kubernetes-preserve-unknown-fields`, so only
 * those two of the `x-kubernetes-` keys are kept.
 */
export function isUnreadKey(key: string): boolean {
  if (key === 'x-kubernetes-int-or-string' || key === 'x-kubernetes-preserve-unknown-fields') return false;
  return key.startsWith('x-kubernetes-') || key === 'description' || key === 'format' || key === 'example';
}

/** Keys whose value maps names (not keywords) to schemas. */
const NAMED_SCHEMAS = new Set(['properties', 'patternProperties', 'definitions']);
/** Keys whose value is data, not a schema: kept as it is (keys sorted). */
const LITERALS = new Set(['default', 'enum', 'const']);

/** A JSON value with the keys of every object sorted. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map(k => [k, sortKeys((value as JsonSchema)[k])]),
  );
}

/**
 * An openAPIV3Schema without what the schema check never reads (descriptions, CEL rules,
 * formats, examples), object keys sorted: the check gives the same answers on the result.
 */
export function extractSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(extractSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out: JsonSchema = {};
  for (const key of Object.keys(node).sort()) {
    const value = (node as JsonSchema)[key];
    if (isUnreadKey(key)) continue;
    if (LITERALS.has(key)) {
      out[key] = sortKeys(value);
    } else if (NAMED_SCHEMAS.has(key) && typeof value === 'object' && value !== null) {
      out[key] = Object.fromEntries(
        Object.keys(value)
          .sort()
          .map(name => [name, extractSchema((value as JsonSchema)[name])]),
      );
    } else {
      out[key] = extractSchema(value);
    }
  }
  return out;
}

/** One served-or-not version of a CRD kind, as extracted into {@link CRD_SCHEMAS_FOLDER}. */
export interface ExtractedKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly scope: string;
  readonly served: boolean;
  /** The version's schema, see {@link extractSchema}; absent when the CRD has none. */
  readonly openAPIV3Schema?: unknown;
}

/** One file of {@link CRD_SCHEMAS_FOLDER}: the kinds of one pinned source and where they come from. */
export interface ExtractedSchemasFile {
  /** The source: name, upstream URLs with their sha256, version, licence notice. */
  readonly about: Record<string, unknown>;
  readonly format: typeof CRD_SCHEMAS_FORMAT;
  /** By `<group>/<version>/<kind>`. */
  readonly kinds: Record<string, ExtractedKind>;
}

interface CrdDocument {
  kind?: string;
  spec?: {
    group: string;
    scope: string;
    names: { kind: string; plural: string };
    versions: Array<{ name: string; served?: boolean; schema?: { openAPIV3Schema?: JsonSchema } }>;
  };
}

/** Every version of every CRD in YAML text, schemas extracted, by `<group>/<version>/<kind>` in code-point order. */
export function extractKinds(yamlText: string): Record<string, ExtractedKind> {
  const kinds = new Map<string, ExtractedKind>();
  for (const doc of parseAllDocuments(yamlText)) {
    const crd = doc.toJS() as CrdDocument | null;
    if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
    const { group, scope, names } = crd.spec;
    for (const v of crd.spec.versions) {
      const schema = v.schema?.openAPIV3Schema;
      // Keys in code-point order, as everywhere in the extracted files.
      kinds.set(`${group}/${v.name}/${names.kind}`, {
        group,
        kind: names.kind,
        ...(schema ? { openAPIV3Schema: extractSchema(schema) } : {}),
        plural: names.plural,
        scope,
        served: v.served === true,
        version: v.name,
      });
    }
  }
  const keys = [...kinds.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map(k => [k, kinds.get(k)!]));
}
