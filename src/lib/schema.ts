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

/**
 * Where CRD files can be read for the schema check, first found of: `EKS_MESH_CRDS`, the cache
 * that `npm run import` fills (`<root>/.crds`), and a `shared/crds` mirror beside the project.
 *
 * @returns the folder, or undefined when none holds CRD files
 */
export function findCrdDir(root: string): string | undefined {
  const candidates = [process.env.EKS_MESH_CRDS, path.join(root, '.crds'), path.join(root, '..', 'shared', 'crds')];
  return candidates.find((dir): dir is string => !!dir && fs.existsSync(dir) && fs.readdirSync(dir).some(f => f.endsWith('.yaml')));
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
   * Folder for compiled validators, kept per content of the CRD folder. A later run with the
   * same CRD files (and the same version of this library and of ajv) reads them back instead of
   * parsing the CRD files and compiling their schemas again. A cache that cannot be read or
   * written is ignored.
   *
   * @default - no cache: every run parses the CRD files and compiles the schemas it needs
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
 * The cache folder of a CRD folder: named by a hash of every CRD file, of the code that turns
 * their schemas into validators and of the ajv version and options.
 */
function cacheFolder(cacheDir: string, dir: string, files: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update(`${toStrictSchema.toString()}\n${rootSchema.toString()}\n${JSON.stringify(AJV_OPTIONS)}\n${(require('ajv/package.json') as { version: string }).version}\n`);
  for (const file of files) hash.update(`${file}\0`).update(fs.readFileSync(path.join(dir, file))).update('\0');
  return path.join(cacheDir, `crd-schemas-${hash.digest('hex').slice(0, 32)}`);
}

/** The API groups and the strict schema of every served version (`<group>/<version>/<kind>`) of a folder's CRDs. */
function parseCrdFolder(dir: string, files: readonly string[]): { groups: Set<string>; versions: Map<string, JsonSchema> } {
  const groups = new Set<string>();
  const versions = new Map<string, JsonSchema>();
  for (const file of files) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
      const crd = doc.toJS() as { kind?: string; spec?: { group: string; names: { kind: string }; versions: Array<{ name: string; schema?: { openAPIV3Schema?: JsonSchema } }> } };
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      for (const v of crd.spec.versions) {
        const schema = v.schema?.openAPIV3Schema;
        if (schema) versions.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, rootSchema(schema));
      }
      groups.add(crd.spec.group);
    }
  }
  return { groups, versions };
}

/** The CRD schemas of a folder of CRD files, compiled lazily per kind. */
export class CrdSchemas {
  /** Load every CRD of the `.yaml` files in a folder. */
  public static fromDirectory(dir: string, options: CrdSchemasOptions = {}): CrdSchemas {
    const files = fs.readdirSync(dir).filter(f => f.endsWith('.yaml')).sort();
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
      if (e.keyword === 'additionalProperties') return `${where} has unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'`;
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
