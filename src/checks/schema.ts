/**
 * Validate custom resources against the openAPIV3Schema of their pinned CRDs, unknown fields
 * rejected (as the API server prunes or, with strict field validation, refuses them).
 *
 * CEL rules (`x-kubernetes-validations`) are not evaluated here: only a real API server does.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

type JsonSchema = Record<string, unknown>;

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
function isUnreadKey(key: string): boolean {
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

interface CrdVersion {
  /** The strict schema ajv compiles; read from the cache on first use when not parsed. */
  schema?: JsonSchema;
  validator?: ValidateFunction;
}

/** Options of {@link CrdSchemas.fromDirectory}. */
export interface CrdSchemasOptions {
  /**
   * Folder for compiled validators, kept per content of the folder read. A later run with the
   * same files (and the same version of this library and of ajv) reads them back instead of
   * parsing the files and compiling their schemas again. A cache that cannot be read or
   * written is ignored.
   *
   * @default - no cache: every run parses the files and compiles the schemas it needs
   */
  readonly cacheDir?: string;
}

const AJV_OPTIONS = { allErrors: true, strict: false, validateFormats: false } as const;
const INDEX_FILE = 'index.json';
const SCHEMAS_FILE = 'schemas.json';

/** What the cache of one CRD folder holds besides the validators. */
interface CacheIndex {
  readonly groups: readonly string[];
  readonly versions: readonly string[];
}

/** Write a file so that readers never see it half-written. */
function writeAtomically(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/**
 * The cache folder of a CRD folder: named by a hash of every file read from it (the extracted
 * schemas of {@link CRD_SCHEMAS_FOLDER}, or CRD files given by `EKS_MESH_CRDS`), of the code that turns
 * their schemas into validators and of the ajv version and options.
 */
function cacheFolder(cacheDir: string, dir: string, files: readonly string[]): string {
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
function schemaFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter(f => f.endsWith('.yaml') || f.endsWith('.json'))
    .sort();
}

/**
 * The API groups and the strict schema of every version (`<group>/<version>/<kind>`) of a
 * folder's CRD files and extracted schema files.
 */
function parseCrdFolder(dir: string, files: readonly string[]): { groups: Set<string>; versions: Map<string, JsonSchema> } {
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

/** The CRD schemas of a folder of CRD files, compiled lazily per kind. */
export class CrdSchemas {
  /**
   * Load every CRD of a folder: CRD files (`.yaml`) and the schemas `npm run import` extracts
   * from them (`.json`, the format of {@link CRD_SCHEMAS_FOLDER}).
   */
  public static fromDirectory(dir: string, options: CrdSchemasOptions = {}): CrdSchemas {
    const files = schemaFiles(dir);
    const schemas = new CrdSchemas();
    schemas.source = { dir, files };
    schemas.cache = options.cacheDir ? cacheFolder(options.cacheDir, dir, files) : undefined;
    if (schemas.cache && schemas.readCacheIndex(schemas.cache)) return schemas;
    const { groups, versions } = parseCrdFolder(dir, files);
    for (const group of groups) schemas.groups.add(group);
    for (const [key, schema] of versions) schemas.versions.set(key, { schema });
    if (schemas.cache) schemas.writeCache(schemas.cache);
    return schemas;
  }

  private readonly versions = new Map<string, CrdVersion>();
  private readonly groups = new Set<string>();
  /** Where the CRDs come from. */
  private source?: { readonly dir: string; readonly files: readonly string[] };
  /** The cache folder of this CRD folder, when caching. */
  private cache?: string;
  private ajvInstance?: Ajv;

  /** True when a CRD of this API group is known (objects of other groups are not checked). */
  public coversGroup(group: string): boolean {
    return this.groups.has(group);
  }

  /**
   * Validate one manifest.
   *
   * @returns messages (`<json path> <problem>`), empty when valid; undefined when not a CRD kind
   */
  public validate(manifest: { apiVersion?: string; kind?: string }): string[] | undefined {
    const [group, version] = (manifest.apiVersion ?? '').includes('/') ? manifest.apiVersion!.split('/') : ['', manifest.apiVersion];
    if (!this.coversGroup(group)) return undefined;
    const key = `${group}/${version}/${manifest.kind}`;
    const entry = this.versions.get(key);
    if (!entry) return [`${manifest.apiVersion} ${manifest.kind} is not served by the pinned CRDs`];
    entry.validator ??= this.validatorOf(key, entry);
    if (entry.validator(manifest)) return [];
    return (entry.validator.errors ?? []).map(e => {
      const where = e.instancePath || '/';
      if (e.keyword === 'additionalProperties')
        return `${where} has unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'`;
      if (e.keyword === 'enum') return `${where} ${e.message}: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
      return `${where} ${e.message}`;
    });
  }

  /** ajv, loaded only when a validator has to be compiled (cached validators do without it). */
  private get ajv(): Ajv {
    if (!this.ajvInstance) {
      const AjvClass = (require('ajv') as typeof import('ajv')).default;
      this.ajvInstance = new AjvClass({ ...AJV_OPTIONS, code: { source: !!this.cache } });
    }
    return this.ajvInstance;
  }

  /** The compiled validator of a kind: from the cache when it has it, else compiled (and cached). */
  private validatorOf(key: string, entry: CrdVersion): ValidateFunction {
    const file = this.cache ? path.join(this.cache, `${key.replace(/[^A-Za-z0-9.-]/g, '_')}.js`) : undefined;
    if (file) {
      try {
        const module = { exports: {} as { default?: ValidateFunction } };
        new Function('module', 'exports', 'require', fs.readFileSync(file, 'utf8'))(module, module.exports, require);
        if (typeof module.exports.default === 'function') return module.exports.default;
      } catch {
        // Not cached yet (or unreadable): compile it.
      }
    }
    if (!entry.schema) this.readCachedSchemas();
    const validator = this.ajv.compile(entry.schema!);
    if (file) {
      try {
        const standaloneCode = (require('ajv/dist/standalone') as typeof import('ajv/dist/standalone')).default;
        writeAtomically(file, standaloneCode(this.ajv, validator));
      } catch {
        // A cache that cannot be written only costs time.
      }
    }
    return validator;
  }

  /** Read the groups and served versions from the cache; false when it has none. */
  private readCacheIndex(cache: string): boolean {
    try {
      const index = JSON.parse(fs.readFileSync(path.join(cache, INDEX_FILE), 'utf8')) as CacheIndex;
      for (const group of index.groups) this.groups.add(group);
      for (const key of index.versions) this.versions.set(key, {});
      return true;
    } catch {
      return false;
    }
  }

  /** Fill in the schemas of every version from the cache, or from the CRD files when it cannot be read. */
  private readCachedSchemas(): void {
    let schemas: Map<string, JsonSchema>;
    try {
      schemas = new Map(Object.entries(JSON.parse(fs.readFileSync(path.join(this.cache!, SCHEMAS_FILE), 'utf8')) as Record<string, JsonSchema>));
    } catch {
      schemas = parseCrdFolder(this.source!.dir, this.source!.files).versions;
    }
    for (const [key, entry] of this.versions) entry.schema ??= schemas.get(key);
  }

  /** Keep the groups and schemas of this folder in its cache folder; the index goes last. */
  private writeCache(cache: string): void {
    try {
      fs.mkdirSync(cache, { recursive: true });
      writeAtomically(path.join(cache, SCHEMAS_FILE), JSON.stringify(Object.fromEntries([...this.versions].map(([k, v]) => [k, v.schema]))));
      const index: CacheIndex = { groups: [...this.groups], versions: [...this.versions.keys()] };
      writeAtomically(path.join(cache, INDEX_FILE), JSON.stringify(index));
    } catch {
      // A cache that cannot be written only costs time.
    }
  }
}
