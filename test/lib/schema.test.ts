import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CrdSchemas, findCrdDir } from '../../src';
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

describe('CrdSchemas cache', () => {
  let crds: string;
  let cacheDir: string;

  beforeEach(() => {
    const source = findCrdDir(ROOT);
    if (!source) throw new Error('no CRD folder: run `npm run import -- --mirror ../shared/crds` or set EKS_MESH_CRDS');
    crds = fs.mkdtempSync(path.join(os.tmpdir(), 'crds-'));
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crd-cache-'));
    const istio = fs.readdirSync(source).find(f => f.startsWith('istio'))!;
    fs.copyFileSync(path.join(source, istio), path.join(crds, istio));
  });

  afterEach(() => {
    fs.rmSync(crds, { recursive: true, force: true });
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  it('gives the same messages without a cache, with an empty cache and with a filled one', () => {
    const uncached = validateAll(CrdSchemas.fromDirectory(crds));
    expect(uncached[0]).toEqual([]);
    expect(uncached[1]?.[0]).toContain('/spec/mtls/mode must be equal to one of the allowed values');
    expect(uncached[2]).toContain("/spec/rules/0 has unknown field 'form'");
    expect(uncached[3]).toContain('/spec/egress/0/hosts must be array');
    expect(uncached[4]).toEqual(['networking.istio.io/v1 Nonexistent is not served by the pinned CRDs']);
    expect(uncached[5]).toBeUndefined();

    expect(validateAll(CrdSchemas.fromDirectory(crds, { cacheDir }))).toEqual(uncached);
    const [folder] = fs.readdirSync(cacheDir);
    expect(fs.readdirSync(path.join(cacheDir, folder)).sort()).toEqual([
      'index.json', 'networking.istio.io_v1_Sidecar.js', 'schemas.json', 'security.istio.io_v1_AuthorizationPolicy.js', 'security.istio.io_v1_PeerAuthentication.js',
    ]);
    expect(validateAll(CrdSchemas.fromDirectory(crds, { cacheDir }))).toEqual(uncached);
  });

  it('reads the cache instead of the CRD files when they are unchanged', () => {
    validateAll(CrdSchemas.fromDirectory(crds, { cacheDir }));
    // Same bytes, so the same cache; the cached validators are what rejects the bad mode now.
    const [folder] = fs.readdirSync(cacheDir);
    const validator = path.join(cacheDir, folder, 'security.istio.io_v1_PeerAuthentication.js');
    fs.writeFileSync(validator, fs.readFileSync(validator, 'utf8').replace(/"PERMISSIVE"/g, '"SOMETIMES"'));
    expect(CrdSchemas.fromDirectory(crds, { cacheDir }).validate(MANIFESTS[1])).toEqual([]);
  });

  it('starts a new cache when a CRD file changes', () => {
    validateAll(CrdSchemas.fromDirectory(crds, { cacheDir }));
    const file = path.join(crds, fs.readdirSync(crds)[0]);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^( *)- PERMISSIVE$/gm, '$1- PERMISSIVE\n$1- SOMETIMES'));
    const schemas = CrdSchemas.fromDirectory(crds, { cacheDir });
    expect(fs.readdirSync(cacheDir)).toHaveLength(2);
    expect(schemas.validate(MANIFESTS[1])).toEqual([]);
  });

  it('compiles again when a cached validator or the cached schemas are unreadable, and works when the cache cannot be written', () => {
    const expected = validateAll(CrdSchemas.fromDirectory(crds, { cacheDir }));
    const [folder] = fs.readdirSync(cacheDir);
    fs.writeFileSync(path.join(cacheDir, folder, 'security.istio.io_v1_AuthorizationPolicy.js'), 'this is not javascript');
    expect(validateAll(CrdSchemas.fromDirectory(crds, { cacheDir }))).toEqual(expected);
    // Without the cached schemas, a validator that is not cached is compiled from the CRD files.
    fs.rmSync(path.join(cacheDir, folder, 'schemas.json'));
    fs.rmSync(path.join(cacheDir, folder, 'networking.istio.io_v1_Sidecar.js'));
    expect(validateAll(CrdSchemas.fromDirectory(crds, { cacheDir }))).toEqual(expected);

    const notAFolder = path.join(cacheDir, 'file');
    fs.writeFileSync(notAFolder, '');
    expect(validateAll(CrdSchemas.fromDirectory(crds, { cacheDir: notAFolder }))).toEqual(expected);
  });
});
