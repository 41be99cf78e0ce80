/**
 * The strict schemas the validators are compiled from (unknown fields refused, int-or-string and
 * nullable spelled out), how a folder's CRD and extracted files are read into them, and the cache
 * folder that keeps them and the compiled validators per content of the folder read.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { threadId } from 'node:worker_threads';
import * as path from 'node:path';
import { CRD_SCHEMAS_FORMAT, ExtractedKind, ExtractedSchemasFile, extractKinds, extractSchema, isUnreadKey, JsonSchema } from './schema-extraction';

/** Turn a structural OpenAPI v3 schema into a JSON schema ajv can run strictly. */
function toStrictSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toStrictSchema);
  if (typeof node !== 'object' || node === null) return node;
  const src = node as JsonSchema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(src)) {
    if (key.startsWith('x-kubernetes-') || key === 'description' || key === 'format' || key === 'example') continue;
    if (key === 'properties' || key === 'patternProperties' || key === 'definitions') {
      out[key] = Object.fromEntries(Object.entries(value as JsonSchema).map(([k, v]) => [k, toStrictSchema(v)]));
    } else {
      out[key] = toStrictSchema(value);
    }
  }
  if (src['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  const preserve = src['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.properties && out.additionalProperties === undefined && !preserve) {
    out.additionalProperties = false;
  }
  if (src.nullable === true && typeof out.type === 'string') {
    out.type = [out.type, 'null'];
  }
  delete out.nullable;
  return out;
}

/** The API server accepts apiVersion, kind and metadata on every object, whatever the CRD lists. */
function rootSchema(schema: JsonSchema): JsonSchema {
  const strict = toStrictSchema(schema) as JsonSchema;
  const properties = (strict.properties ?? {}) as JsonSchema;
  return {
    ...strict,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      ...properties,
    },
    required: [...new Set(['apiVersion', 'kind', 'metadata', ...((strict.required as string[]) ?? [])])],
    additionalProperties: false,
  };
}
/**
 * ajv's options for every validator. `code.optimize: false` skips ajv's pass over the generated
 * code that removes redundant assignments: the validator checks the same things with the same
 * errors, its code is about 10% larger, and it compiles in about half the time (the first synth
 * after a change of CRDs compiles every validator it needs; on a 2-core machine the validator of
 * cert-manager's Issuer took 125 to 154 ms with the pass and 68 to 74 ms without).
 */
export const AJV_OPTIONS = { allErrors: true, strict: false, validateFormats: false, code: { optimize: false } } as const;
export const INDEX_FILE = 'index.json';
export const SCHEMAS_FILE = 'schemas.json';

/** What the cache of one CRD folder holds besides the validators. */
export interface CacheIndex {
  readonly groups: readonly string[];
  readonly versions: readonly string[];
}

/** Write a file so that readers never see it half-written (each thread of a process to its own temporary name). */
export function writeAtomically(file: string, content: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.${threadId}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/** Write a file of a cache atomically, its folder made when missing; a cache that cannot be written only costs time. */
export function writeCacheFile(file: string, content: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeAtomically(file, content);
  } catch {
    // Made again next time.
  }
}

/**
 * The cache folder of a CRD folder: named by a hash of every file read from it (the extracted
 * schemas of {@link CRD_SCHEMAS_FOLDER}, or CRD files given by `EKS_MESH_CRDS`), of the code that turns
 * their schemas into validators and of the ajv version and options.
 */
export function cacheFolder(cacheDir: string, dir: string, files: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update(
    `${extractSchema.toString()}\n${isUnreadKey.toString()}\n${toStrictSchema.toString()}\n${rootSchema.toString()}\n${JSON.stringify(AJV_OPTIONS)}\n${(require('ajv/package.json') as { version: string }).version}\n`,
  );
  for (const file of files)
    hash
      .update(`${file}\0`)
      .update(fs.readFileSync(path.join(dir, file)))
      .update('\0');
  return path.join(cacheDir, `crd-schemas-${hash.digest('hex').slice(0, 32)}`);
}

/** The files of a folder the schema check reads: CRD files (`.yaml`) and extracted schemas (`.json`), sorted. */
export function schemaFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter(f => f.endsWith('.yaml') || f.endsWith('.json'))
    .sort();
}

/**
 * The API groups and the strict schema of every version (`<group>/<version>/<kind>`) of a
 * folder's CRD files and extracted schema files.
 */
export function parseCrdFolder(dir: string, files: readonly string[]): { groups: Set<string>; versions: Map<string, JsonSchema> } {
  const groups = new Set<string>();
  const versions = new Map<string, JsonSchema>();
  for (const file of files) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    let kinds: Record<string, ExtractedKind>;
    if (file.endsWith('.json')) {
      const extracted = JSON.parse(text) as Partial<ExtractedSchemasFile>;
      if (extracted.format !== CRD_SCHEMAS_FORMAT || !extracted.kinds) continue;
      kinds = extracted.kinds;
    } else {
      kinds = extractKinds(text);
    }
    for (const [key, kind] of Object.entries(kinds)) {
      groups.add(kind.group);
      if (kind.openAPIV3Schema) versions.set(key, rootSchema(kind.openAPIV3Schema as JsonSchema));
    }
  }
  return { groups, versions };
}
