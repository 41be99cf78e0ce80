/**
 * Validate custom resources against the openAPIV3Schema of their pinned CRDs, unknown fields
 * rejected (as the API server prunes or, with strict field validation, refuses them).
 *
 * CEL rules (`x-kubernetes-validations`) are not evaluated here: only a real API server does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
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
  readonly schema: JsonSchema;
  validator?: ValidateFunction;
}

/** The CRD schemas of a folder of CRD files, compiled lazily per kind. */
export class CrdSchemas {
  /** Load every CRD of the `.yaml` files in a folder. */
  public static fromDirectory(dir: string): CrdSchemas {
    const schemas = new CrdSchemas();
    for (const file of fs.readdirSync(dir).filter(f => f.endsWith('.yaml')).sort()) {
      for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
        const crd = doc.toJS() as { kind?: string; spec?: { group: string; names: { kind: string }; versions: Array<{ name: string; schema?: { openAPIV3Schema?: JsonSchema } }> } };
        if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
        for (const v of crd.spec.versions) {
          const schema = v.schema?.openAPIV3Schema;
          if (schema) schemas.versions.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, { schema });
        }
        schemas.groups.add(crd.spec.group);
      }
    }
    return schemas;
  }

  private readonly versions = new Map<string, CrdVersion>();
  private readonly groups = new Set<string>();
  private readonly ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });

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
    const entry = this.versions.get(`${group}/${version}/${manifest.kind}`);
    if (!entry) return [`${manifest.apiVersion} ${manifest.kind} is not served by the pinned CRDs`];
    entry.validator ??= this.ajv.compile(rootSchema(entry.schema));
    if (entry.validator(manifest)) return [];
    return (entry.validator.errors ?? []).map(e => {
      const where = e.instancePath || '/';
      if (e.keyword === 'additionalProperties') return `${where} has unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'`;
      if (e.keyword === 'enum') return `${where} ${e.message}: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
      return `${where} ${e.message}`;
    });
  }
}
