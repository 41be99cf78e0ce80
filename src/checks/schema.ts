/**
 * Validate custom resources against the openAPIV3Schema of their pinned CRDs, unknown fields
 * rejected (as the API server prunes or, with strict field validation, refuses them).
 *
 * CEL rules (`x-kubernetes-validations`) are not evaluated here: only a real API server does.
 *
 * The pinned folders and the extraction are in `schema-extraction.ts`, the strict schemas and the
 * validator cache in `schema-cache.ts`.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { JsonSchema } from './schema-extraction';
import {
  AJV_OPTIONS,
  CacheIndex,
  cacheFolder,
  INDEX_FILE,
  parseCrdFolder,
  SCHEMAS_FILE,
  schemaFiles,
  writeAtomically,
  writeCacheFile,
} from './schema-cache';

export { CRD_SCHEMAS_FOLDER, CRD_SCHEMAS_FORMAT, extractKinds, extractSchema, findCrdDir, findCrdFileDir } from './schema-extraction';
export type { ExtractedKind, ExtractedSchemasFile } from './schema-extraction';

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
   * The objects of one unit of work (`name`: an environment) that passed in an earlier run, kept in
   * the cache folder of these CRDs; undefined without a cache.
   */
  public validObjects(name: string): ValidObjects | undefined {
    return this.cache ? new ValidObjects(path.join(this.cache, 'valid', `${name.replace(/[^A-Za-z0-9.-]/g, '_')}.json`)) : undefined;
  }

  /**
   * Validate one manifest. With `valid`, a manifest whose JSON passed before is not validated
   * again (nor its validator loaded), and one that passes now is added.
   *
   * @returns messages (`<json path> <problem>`), empty when valid; undefined when not a CRD kind
   */
  public validate(manifest: { apiVersion?: string; kind?: string }, valid?: ValidObjects): string[] | undefined {
    const [group, version] = (manifest.apiVersion ?? '').includes('/') ? manifest.apiVersion!.split('/') : ['', manifest.apiVersion];
    if (!this.coversGroup(group)) return undefined;
    const key = `${group}/${version}/${manifest.kind}`;
    const entry = this.versions.get(key);
    if (!entry) return [`${manifest.apiVersion} ${manifest.kind} is not served by the pinned CRDs`];
    const digest = valid?.digestOf(manifest);
    if (digest !== undefined && valid!.passedBefore(digest)) return [];
    entry.validator ??= this.validatorOf(key, entry);
    if (entry.validator(manifest)) {
      if (digest !== undefined) valid!.passed(digest);
      return [];
    }
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
      this.ajvInstance = new AjvClass({ ...AJV_OPTIONS, code: { ...AJV_OPTIONS.code, source: !!this.cache } });
    }
    return this.ajvInstance;
  }

  /** The compiled validator of a kind: from the cache when it has it, else compiled (and cached). */
  private validatorOf(key: string, entry: CrdVersion): ValidateFunction {
    const file = this.cache ? path.join(this.cache, `${key.replace(/[^A-Za-z0-9.-]/g, '_')}.js`) : undefined;
    if (file) {
      try {
        const cached = loadCachedValidator(file);
        if (cached) return cached;
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

/**
 * A validator ajv wrote into the cache (a CommonJS module), compiled with V8's code cache kept
 * beside it (`<file>.v8`): the functions of a large schema then load without being compiled again.
 * The code cache is written after the validator's first call, so it holds the functions that call
 * compiled; V8 refuses a code cache of another V8 version or source, and it is then written again.
 */
function loadCachedValidator(file: string): ValidateFunction | undefined {
  const codeCacheFile = `${file}.v8`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(codeCacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(`(function (module, exports, require) {${fs.readFileSync(file, 'utf8')}\n})`, { filename: file, cachedData });
  const module = { exports: {} as { default?: ValidateFunction } };
  (script.runInThisContext() as (m: typeof module, e: object, r: NodeJS.Require) => void)(module, module.exports, require);
  const validator = module.exports.default;
  if (typeof validator !== 'function') return undefined;
  if (cachedData && !script.cachedDataRejected) return validator;
  let written = false;
  const withCodeCache = ((data: unknown) => {
    const valid = validator(data);
    withCodeCache.errors = validator.errors;
    if (!written) {
      written = true;
      try {
        writeAtomically(codeCacheFile, script.createCachedData());
      } catch {
        // A code cache that cannot be written only costs time.
      }
    }
    return valid;
  }) as ValidateFunction;
  return Object.assign(withCodeCache, { schema: validator.schema, schemaEnv: validator.schemaEnv });
}

/**
 * The objects that passed the schema check, as digests of their JSON, kept between runs in the
 * cache folder of the CRDs (whose name covers the CRD files, the schema transform and ajv): the
 * same JSON under the same schemas passes again, so it is not validated again. The file holds the
 * objects of the last run that passed, so it does not grow with every change.
 */
export class ValidObjects {
  private before?: Set<string>;
  private readonly now = new Set<string>();

  public constructor(private readonly file: string) {}

  /** The digest of a manifest's JSON (its key order included). */
  public digestOf(manifest: object): string {
    return createHash('sha256').update(JSON.stringify(manifest)).digest('base64');
  }

  /** Whether an object of this digest passed in the run that wrote the file; it is kept if so. */
  public passedBefore(digest: string): boolean {
    if (!this.before) {
      let read: unknown;
      try {
        read = JSON.parse(fs.readFileSync(this.file, 'utf8'));
      } catch {
        read = [];
      }
      this.before = new Set(Array.isArray(read) ? read.filter((d): d is string => typeof d === 'string') : []);
    }
    if (!this.before.has(digest)) return false;
    this.now.add(digest);
    return true;
  }

  /** An object of this digest passed now. */
  public passed(digest: string): void {
    this.now.add(digest);
  }

  /** Write the digests of this run when they are not those of the file. A file that cannot be written only costs time. */
  public save(): void {
    const before = this.before ?? new Set<string>();
    if (this.now.size === before.size && [...this.now].every(d => before.has(d))) return;
    writeCacheFile(this.file, JSON.stringify([...this.now].sort()));
  }
}
