import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CRD_SCHEMAS_FOLDER, CrdSchemas, extractSchema, findCrdDir, findCrdFileDir } from '../../src';
import { readCrdSources, readFromMirror } from '../../scripts/crd-sources';
import { schemasFile } from '../../scripts/import';
import { ROOT } from '../util';

/** Manifests that exercise each kind of message: valid, unknown field, enum, type, unserved kind. */
const MANIFESTS = [
  { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default' }, spec: { mtls: { mode: 'STRICT' } } },
  { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'bad-mode' }, spec: { mtls: { mode: 'SOMETIMES' } } },
  { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'typo' }, spec: { rules: [{ form: [] }] } },
  { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name: 'default' }, spec: { egress: [{ hosts: 'not-a-list' }] } },
  { apiVersion: 'networking.istio.io/v1', kind: 'Nonexistent', metadata: { name: 'x' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not-a-crd' } },
];

const validateAll = (schemas: CrdSchemas) => MANIFESTS.map(m => schemas.validate(m));

/** What validateAll must give: each message kind once, nothing for a core kind. */
function expectTheUsualMessages(results: ReturnType<typeof validateAll>): void {
  expect(results[0]).toEqual([]);
  expect(results[1]?.[0]).toContain('/spec/mtls/mode must be equal to one of the allowed values');
  expect(results[2]).toContain("/spec/rules/0 has unknown field 'form'");
  expect(results[3]).toContain('/spec/egress/0/hosts must be array');
  expect(results[4]).toEqual(['networking.istio.io/v1 Nonexistent is not served by the pinned CRDs']);
  expect(results[5]).toBeUndefined();
}

const GENERATED = path.join(ROOT, CRD_SCHEMAS_FOLDER);

/** Run with EKS_MESH_CRDS set to a value (or unset), restoring it afterwards. */
function withCrdsEnv<T>(value: string | undefined, run: () => T): T {
  const saved = process.env.EKS_MESH_CRDS;
  if (value === undefined) delete process.env.EKS_MESH_CRDS;
  else process.env.EKS_MESH_CRDS = value;
  try {
    return run();
  } finally {
    if (saved === undefined) delete process.env.EKS_MESH_CRDS;
    else process.env.EKS_MESH_CRDS = saved;
  }
}

/** A minimal CRD file: one namespaced kind with a single string field. */
const WIDGET_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: { kind: Widget, plural: widgets }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: { type: string }
`;

describe('the committed crd-schemas/', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crd-checkout-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is what the schema check reads in a checkout with no CRD folder anywhere, and it still refuses unknown fields', () => {
    // A checkout holding only the committed schemas: no EKS_MESH_CRDS, no .crds/, no ../shared/crds.
    const root = path.join(tmp, 'checkout');
    fs.cpSync(GENERATED, path.join(root, CRD_SCHEMAS_FOLDER), { recursive: true });
    expect(fs.existsSync(path.join(tmp, 'shared'))).toBe(false);
    const dir = withCrdsEnv(undefined, () => findCrdDir(root));
    expect(dir).toBe(path.join(root, CRD_SCHEMAS_FOLDER));
    expectTheUsualMessages(validateAll(CrdSchemas.fromDirectory(dir!)));
  });

  it('finds nothing to read in a checkout without it (no fallback outside the project)', () => {
    const root = path.join(tmp, 'checkout');
    fs.mkdirSync(root);
    fs.mkdirSync(path.join(tmp, 'shared', 'crds'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'shared', 'crds', 'widgets.yaml'), WIDGET_CRD);
    expect(withCrdsEnv(undefined, () => findCrdDir(root))).toBeUndefined();
    expect(withCrdsEnv(undefined, () => findCrdFileDir(root))).toBeUndefined();
  });

  it('gives way to EKS_MESH_CRDS, a folder of CRD files, which the check then reads', () => {
    fs.writeFileSync(path.join(tmp, 'widgets.yaml'), WIDGET_CRD);
    expect(withCrdsEnv(tmp, () => findCrdDir(ROOT))).toBe(tmp);
    const schemas = CrdSchemas.fromDirectory(tmp);
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    expect(schemas.validate({ ...widget, spec: { size: 'large' } } as never)).toEqual([]);
    expect(schemas.validate({ ...widget, spec: { colour: 'red' } } as never)).toEqual(["/spec has unknown field 'colour'"]);
    // Istio is not in that folder, so its kinds are not checked at all.
    expect(schemas.validate(MANIFESTS[2])).toBeUndefined();
  });

  it('is never taken for the complete CRD files the verify stage installs', () => {
    const root = path.join(tmp, 'checkout');
    fs.cpSync(GENERATED, path.join(root, CRD_SCHEMAS_FOLDER), { recursive: true });
    expect(withCrdsEnv(undefined, () => findCrdFileDir(root))).toBeUndefined();
    fs.mkdirSync(path.join(root, '.crds'));
    fs.writeFileSync(path.join(root, '.crds', 'widgets.yaml'), WIDGET_CRD);
    expect(withCrdsEnv(undefined, () => findCrdFileDir(root))).toBe(path.join(root, '.crds'));
  });

  it('holds one file per source of crds.lock.yaml, naming its URLs, version, sha256 and licence', () => {
    const sources = readCrdSources();
    expect(fs.readdirSync(GENERATED).sort()).toEqual(sources.map(s => `${s.name}.json`).sort());
    for (const source of sources) {
      const file = JSON.parse(fs.readFileSync(path.join(GENERATED, `${source.name}.json`), 'utf8'));
      expect(file.about).toMatchObject({
        name: source.name,
        version: source.version,
        license: 'Apache-2.0',
        sha256: source.sha256,
        urls: source.urls.map(url => ({ url, sha256: source.fileSha256[url] })),
      });
      expect(file.about.notice).toContain('Apache License, Version 2.0');
      expect(Object.keys(file.kinds).length).toBeGreaterThan(0);
    }
  });

  // Needs the complete CRD files (`npm run import` keeps them in .crds/; CI runs it first).
  const crdFiles = findCrdFileDir(ROOT);
  it.skipIf(!crdFiles)('is exactly what npm run import extracts from the pinned CRD files, and checks as they do', () => {
    const sources = readCrdSources();
    for (const source of sources) {
      const text = readFromMirror(source, crdFiles!);
      expect(fs.readFileSync(path.join(GENERATED, `${source.name}.json`), 'utf8')).toBe(schemasFile(source, text));
    }
    const manifests: Array<{ apiVersion?: string; kind?: string }> = [...MANIFESTS];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.name.endsWith('.yaml')) for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) manifests.push(doc.toJS());
      }
    };
    walk(path.join(ROOT, 'dist'));
    const fromFiles = CrdSchemas.fromDirectory(crdFiles!);
    const fromGenerated = CrdSchemas.fromDirectory(GENERATED);
    expect(manifests.map(m => fromGenerated.validate(m))).toEqual(manifests.map(m => fromFiles.validate(m)));
  });
});

describe('extractSchema', () => {
  it('drops what the check never reads, keeps what it reads and sorts keys', () => {
    const schema = {
      type: 'object',
      description: 'the object',
      'x-kubernetes-validations': [{ rule: 'self.a != self.b' }],
      properties: {
        // A field named like a keyword is a field, not a keyword.
        description: { type: 'string', description: 'a field called description', format: 'byte', example: 'x' },
        port: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-list-type': 'atomic' },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, default: { b: 1, description: 'data' } },
      },
      required: ['port', 'description'],
    };
    const extracted = extractSchema(schema);
    expect(extracted).toEqual({
      properties: {
        description: { type: 'string' },
        extra: { default: { b: 1, description: 'data' }, type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        port: { 'x-kubernetes-int-or-string': true },
      },
      required: ['port', 'description'],
      type: 'object',
    });
    // toEqual ignores key order; the committed files must not.
    expect(Object.keys(extracted as object)).toEqual(['properties', 'required', 'type']);
    expect(Object.keys((extracted as { properties: object }).properties)).toEqual(['description', 'extra', 'port']);
    expect(Object.keys((extracted as { properties: { extra: object } }).properties.extra)).toEqual(['default', 'type', 'x-kubernetes-preserve-unknown-fields']);
  });
});

describe('CrdSchemas cache', () => {
  let crds: string;
  let cacheDir: string;

  beforeEach(() => {
    crds = fs.mkdtempSync(path.join(os.tmpdir(), 'crds-'));
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crd-cache-'));
    fs.copyFileSync(path.join(GENERATED, 'istio.json'), path.join(crds, 'istio.json'));
  });

  afterEach(() => {
    fs.rmSync(crds, { recursive: true, force: true });
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  it('gives the same messages without a cache, with an empty cache and with a filled one', () => {
    const uncached = validateAll(CrdSchemas.fromDirectory(crds));
    expectTheUsualMessages(uncached);

    expect(validateAll(CrdSchemas.fromDirectory(crds, { cacheDir }))).toEqual(uncached);
    const [folder] = fs.readdirSync(cacheDir);
    expect(fs.readdirSync(path.join(cacheDir, folder)).sort()).toEqual([
      'index.json', 'networking.istio.io_v1_Sidecar.js', 'schemas.json', 'security.istio.io_v1_AuthorizationPolicy.js', 'security.istio.io_v1_PeerAuthentication.js',
    ]);
    expect(validateAll(CrdSchemas.fromDirectory(crds, { cacheDir }))).toEqual(uncached);
  });

  it('keeps a V8 code cache beside each cached validator: made on its first use from the cache, used after, made again when V8 refuses it', () => {
    // Each step in a process of its own: within one process V8 reuses what it compiled and never reads a code cache.
    const entry = path.join(cacheDir, 'validate.ts');
    fs.writeFileSync(
      entry,
      [
        `import { CrdSchemas } from ${JSON.stringify(path.join(ROOT, 'src'))};`,
        `const s = CrdSchemas.fromDirectory(${JSON.stringify(crds)}, { cacheDir: ${JSON.stringify(path.join(cacheDir, 'c'))} });`,
        `console.log(JSON.stringify(s.validate(${JSON.stringify(MANIFESTS[1])})));`,
      ].join('\n'),
    );
    const step = () => execFileSync(process.execPath, ['--require', 'tsx/cjs', entry], { cwd: ROOT, encoding: 'utf8' });
    const expected = step();
    const [folder] = fs.readdirSync(path.join(cacheDir, 'c'));
    const codeCache = path.join(cacheDir, 'c', folder, 'security.istio.io_v1_PeerAuthentication.js.v8');
    expect(fs.existsSync(codeCache)).toBe(false);
    expect(step()).toBe(expected);
    const made = fs.readFileSync(codeCache);
    expect(made.length).toBeGreaterThan(0);
    // Accepted: left as it is.
    expect(step()).toBe(expected);
    expect(fs.readFileSync(codeCache).equals(made)).toBe(true);
    // Refused (not a code cache of this source): the same messages, and a new code cache.
    fs.writeFileSync(codeCache, 'not a code cache');
    expect(step()).toBe(expected);
    const remade = fs.readFileSync(codeCache);
    expect(remade.toString('latin1')).not.toBe('not a code cache');
    expect(remade.length).toBeGreaterThan(1000);
    expect(step()).toBe(expected);
    expect(fs.readFileSync(codeCache).equals(remade)).toBe(true);
  });

  it('reads the cache instead of the schema files when they are unchanged', () => {
    validateAll(CrdSchemas.fromDirectory(crds, { cacheDir }));
    // Same bytes, so the same cache; the cached validators are what rejects the bad mode now.
    const [folder] = fs.readdirSync(cacheDir);
    const validator = path.join(cacheDir, folder, 'security.istio.io_v1_PeerAuthentication.js');
    fs.writeFileSync(validator, fs.readFileSync(validator, 'utf8').replace(/"PERMISSIVE"/g, '"SOMETIMES"'));
    expect(CrdSchemas.fromDirectory(crds, { cacheDir }).validate(MANIFESTS[1])).toEqual([]);
  });

  it('starts a new cache when a generated schema file changes', () => {
    validateAll(CrdSchemas.fromDirectory(crds, { cacheDir }));
    const file = path.join(crds, 'istio.json');
    const extracted = JSON.parse(fs.readFileSync(file, 'utf8'));
    extracted.kinds['security.istio.io/v1/PeerAuthentication'].openAPIV3Schema.properties.spec.properties.mtls.properties.mode.enum.push('SOMETIMES');
    fs.writeFileSync(file, JSON.stringify(extracted));
    const schemas = CrdSchemas.fromDirectory(crds, { cacheDir });
    expect(fs.readdirSync(cacheDir)).toHaveLength(2);
    expect(schemas.validate(MANIFESTS[1])).toEqual([]);
  });

  it('compiles again when a cached validator or the cached schemas are unreadable, and works when the cache cannot be written', () => {
    const expected = validateAll(CrdSchemas.fromDirectory(crds, { cacheDir }));
    const [folder] = fs.readdirSync(cacheDir);
    fs.writeFileSync(path.join(cacheDir, folder, 'security.istio.io_v1_AuthorizationPolicy.js'), 'this is not javascript');
    expect(validateAll(CrdSchemas.fromDirectory(crds, { cacheDir }))).toEqual(expected);
    // Without the cached schemas, a validator that is not cached is compiled from the schema files.
    fs.rmSync(path.join(cacheDir, folder, 'schemas.json'));
    fs.rmSync(path.join(cacheDir, folder, 'networking.istio.io_v1_Sidecar.js'));
    expect(validateAll(CrdSchemas.fromDirectory(crds, { cacheDir }))).toEqual(expected);

    const notAFolder = path.join(cacheDir, 'file');
    fs.writeFileSync(notAFolder, '');
    expect(validateAll(CrdSchemas.fromDirectory(crds, { cacheDir: notAFolder }))).toEqual(expected);
  });

  describe('objects that passed in the last run', () => {
    const PERMISSIVE = { ...MANIFESTS[0], metadata: { name: 'permissive' }, spec: { mtls: { mode: 'PERMISSIVE' } } };
    /** One run: its schemas (validators loaded counted), the file of unit `name`, what `validate` said. */
    function run(manifests: readonly object[], name = 'lab') {
      const schemas = CrdSchemas.fromDirectory(crds, { cacheDir });
      const loads = vi.spyOn(schemas as unknown as { validatorOf: (...a: unknown[]) => unknown }, 'validatorOf');
      const valid = schemas.validObjects(name)!;
      const results = manifests.map(m => schemas.validate(m, valid));
      valid.save();
      return { results, loads: loads.mock.calls.length, valid };
    }
    const kept = (name = 'lab'): string[] => {
      const [folder] = fs.readdirSync(cacheDir);
      return JSON.parse(fs.readFileSync(path.join(cacheDir, folder, 'valid', `${name}.json`), 'utf8')) as string[];
    };

    it('gives the same messages, without loading a validator for an object whose JSON passed before', () => {
      const first = run(MANIFESTS);
      expectTheUsualMessages(first.results);
      expect(first.loads).toBe(3);
      const again = run(MANIFESTS);
      expect(again.results).toEqual(first.results);
      // The three kinds with a failing object are validated again; the passing one alone is not.
      expect(again.loads).toBe(3);
      expect(run([MANIFESTS[0]]).loads).toBe(0);
      // Other JSON, even the same object with its keys in another order, is validated.
      const reordered = { kind: 'PeerAuthentication', apiVersion: 'security.istio.io/v1', metadata: { name: 'default' }, spec: { mtls: { mode: 'STRICT' } } };
      expect(run([reordered]).loads).toBe(1);
      expect(run([{ ...MANIFESTS[0], spec: { mtls: { mode: 'SOMETIMES' } } }]).results[0]?.[0]).toContain('must be equal to one of the allowed values');
    });

    it('keeps only the objects of the last run that passed, in a file per unit', () => {
      const first = run([MANIFESTS[0], PERMISSIVE, MANIFESTS[1]]);
      expect(kept().sort()).toEqual([first.valid.digestOf(MANIFESTS[0]), first.valid.digestOf(PERMISSIVE)].sort());
      run([MANIFESTS[0]]);
      expect(kept()).toEqual([first.valid.digestOf(MANIFESTS[0])]);
      run([PERMISSIVE], 'prod/other');
      expect(kept('prod_other')).toEqual([first.valid.digestOf(PERMISSIVE)]);
      expect(kept()).toEqual([first.valid.digestOf(MANIFESTS[0])]);
    });

    it('validates everything when the file cannot be read, and has no file without a cache', () => {
      run([MANIFESTS[0]]);
      const [folder] = fs.readdirSync(cacheDir);
      for (const text of ['not json', '{"a": 1}', '[1, 2]']) {
        fs.writeFileSync(path.join(cacheDir, folder, 'valid', 'lab.json'), text);
        const again = run([MANIFESTS[0], MANIFESTS[1]]);
        expect(again.loads).toBe(1);
        expect(again.results[0]).toEqual([]);
        expect(again.results[1]).toHaveLength(1);
      }
      expect(CrdSchemas.fromDirectory(crds).validObjects('lab')).toBeUndefined();
    });
  });
});
