/**
 * The verify driver's own logic, without external tools: output parsing, object-set comparison,
 * schema conversion, accepted findings.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceptanceFor, readAcceptances } from '../../verify/lib/accepted';
import { namespacesNeeded } from '../../verify/lib/apiserver-stage';
import { parseValidateOutput } from '../../verify/lib/istioctl-stage';
import { leafErrors } from '../../verify/lib/kubeconform-stage';
import { compareObjectSets } from '../../verify/lib/kustomize-stage';
import { FileObject, Finding, KubeObject, readFolder, resourceFiles, stageFolders } from '../../verify/lib/manifests';
import { toStrictJsonSchema } from '../../verify/lib/schemas';
import { ISTIOCTL_MODULE_VERSION, TOOLS } from '../../verify/tools';

const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const np = (namespace: string, name: string): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec: { podSelector: {} },
});
const inFile = (file: string, object: KubeObject): FileObject => ({ file, index: 0, object });

describe('istioctl validate output', () => {
  it('reads errors and warnings with their objects', () => {
    const out = [
      'Error: 2 errors occurred:',
      '\t* Gateway/istio-invalid/https-without-certificate: SIMPLE TLS requires a server certificate',
      '\t* VirtualService//routes: total destination weight 90 != 100',
      '',
      '"dist/dev/40-orders.yaml" has warnings: ',
      '\t* AuthorizationPolicy/orders/allow: configured AuthorizationPolicy will deny all traffic',
      '  because no rule matches',
    ].join('\n');
    expect(parseValidateOutput(out)).toEqual([
      { level: 'error', object: 'Gateway istio-invalid/https-without-certificate', message: 'SIMPLE TLS requires a server certificate' },
      { level: 'error', object: 'VirtualService routes', message: 'total destination weight 90 != 100' },
      {
        level: 'warning',
        object: 'AuthorizationPolicy orders/allow',
        message: 'configured AuthorizationPolicy will deny all traffic because no rule matches',
      },
    ]);
  });

  it('reads nothing from a clean run', () => {
    expect(parseValidateOutput('"dist/dev/40-orders.yaml" is valid\n')).toEqual([]);
  });

  it('keeps an error that names no object', () => {
    expect(parseValidateOutput('Error: cannot stat file "x.yaml": no such file\n')).toEqual([
      { level: 'error', message: 'cannot stat file "x.yaml": no such file' },
    ]);
  });
});

describe('kubeconform messages', () => {
  it('keep the innermost causes, not the allOf wrappers', () => {
    const msg =
      "problem validating schema. Check JSON formatting: jsonschema validation failed with 'file:///s.json#' - at '/spec': 'allOf' failed   - at '/spec': additional properties 'podSelectr' not allowed - at '': missing property 'kind'";
    expect(leafErrors(msg)).toEqual(["/spec: additional properties 'podSelectr' not allowed", "/: missing property 'kind'"]);
  });
});

describe('kustomize object-set comparison', () => {
  const files = [inFile('a.yaml', ns('a')), inFile('b.yaml', np('a', 'deny'))];

  it('accepts the same objects', () => {
    expect(compareObjectSets('f', files, [np('a', 'deny'), ns('a')])).toEqual([]);
  });

  it('names a file left out, an extra object, a duplicate and a changed object', () => {
    const changed = { ...ns('a'), metadata: { name: 'a', labels: { added: 'by-kustomize' } } };
    const messages = compareObjectSets(
      'f',
      [...files, inFile('c.yaml', np('a', 'twice')), inFile('d.yaml', np('a', 'twice'))],
      [changed, np('a', 'twice'), np('a', 'twice'), ns('extra')],
    ).map(f => `${f.object}: ${f.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^NetworkPolicy a\/deny: .* is in b\.yaml but not in `kustomize build`/),
      expect.stringMatching(/^NetworkPolicy a\/twice: .* is defined 2 times in the files/),
      expect.stringMatching(/^Namespace extra: `kustomize build` emits v1 Namespace extra, which no file/),
      expect.stringMatching(/^Namespace a: `kustomize build` changes v1 Namespace a/),
    ]);
  });
});

describe('namespaces the API server stage creates', () => {
  it('covers namespaced objects and Namespace objects, not cluster-scoped ones', () => {
    const objects = [
      inFile('a', ns('orders')),
      inFile('b', np('istio-system', 'x')),
      inFile('c', { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'ci' } }),
    ];
    expect(namespacesNeeded(objects, o => o.object.kind === 'NetworkPolicy')).toEqual(['istio-system', 'orders']);
  });
});

describe('CRD and OpenAPI schemas as strict JSON schema', () => {
  it('closes objects, keeps open maps and preserved fields, converts int-or-string, nullable and refs', () => {
    const schema = toStrictJsonSchema({
      type: 'object',
      description: 'dropped',
      'x-kubernetes-validations': [{ rule: 'self.a != ""' }],
      properties: {
        a: { type: 'string', format: 'date-time' },
        port: { 'x-kubernetes-int-or-string': true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'string' } } },
        maybe: { type: 'string', nullable: true },
        meta: { $ref: '#/components/schemas/io.k8s.ObjectMeta' },
      },
    });
    expect(schema).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        a: { type: 'string' },
        port: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        free: { type: 'object', properties: { known: { type: 'string' } } },
        maybe: { type: ['string', 'null'] },
        meta: { $ref: '#/definitions/io.k8s.ObjectMeta' },
      },
    });
  });
});

describe('accepted findings', () => {
  const finding: Finding = {
    stage: 'istioctl-analyze',
    folder: 'dist/prod',
    object: 'Gateway istio-system/shared-gateway',
    code: 'IST0101',
    level: 'warning',
    message: 'Referenced selector not found',
  };

  function acceptances(text: string) {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'verify-accepted-')), 'accepted.yaml');
    fs.writeFileSync(file, text);
    return readAcceptances(file);
  }

  it('matches by stage, code, object and folder, with * as a wildcard', () => {
    const { acceptances: list, problems } = acceptances(
      'accepted:\n  - stage: istioctl-analyze\n    code: IST0101\n    object: Gateway istio-system/*\n    folder: dist/*\n    reason: the gateway pods are installed by Helm, not in this folder\n',
    );
    expect(problems).toEqual([]);
    expect(acceptanceFor(finding, list)).toBeDefined();
    expect(acceptanceFor({ ...finding, code: 'IST0102' }, list)).toBeUndefined();
    expect(acceptanceFor({ ...finding, object: 'Gateway other/shared-gateway' }, list)).toBeUndefined();
    expect(acceptanceFor({ ...finding, folder: 'test/x' }, list)).toBeUndefined();
  });

  it('refuses an entry without a reason, or an analyze entry without a code', () => {
    const { acceptances: list, problems } = acceptances(
      'accepted:\n  - stage: istioctl-analyze\n    code: IST0101\n    object: "*"\n  - stage: istioctl-analyze\n    object: "*"\n    reason: because\n',
    );
    expect(list).toEqual([]);
    expect(problems).toEqual([
      expect.stringMatching(/accepted\[0\] needs reason/),
      expect.stringMatching(/accepted\[1\]: istioctl-analyze findings are accepted by code/),
    ]);
  });

  it('the project file is well-formed and every entry has a reason', () => {
    const { problems } = readAcceptances(path.resolve(__dirname, '..', '..', 'verify', 'accepted-findings.yaml'));
    expect(problems).toEqual([]);
  });
});

describe('reading a folder', () => {
  it('skips kustomization.yaml and names documents that are not objects', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-folder-'));
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources: [a.yaml]\n');
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\nkind: Thing\n');
    const { objects, problems } = readFolder(dir);
    expect(objects.map(o => o.object.metadata.name)).toEqual(['a']);
    expect(problems).toEqual([{ file: 'a.yaml', message: 'document 2 has no apiVersion or kind' }]);
  });
});

describe('reading an environment folder with stage folders', () => {
  it('reads the files of each subfolder with its own kustomization.yaml, and no other subfolder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-stages-'));
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources: [config, namespaces-0]\n');
    for (const [sub, name] of [
      ['config', 'c'],
      ['namespaces-0', 'n'],
      ['notes', 'x'],
    ]) {
      fs.mkdirSync(path.join(dir, sub));
      if (sub !== 'notes') fs.writeFileSync(path.join(dir, sub, 'kustomization.yaml'), `resources: [${name}.yaml]\n`);
      fs.writeFileSync(path.join(dir, sub, `${name}.yaml`), `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`);
    }
    expect(stageFolders(dir)).toEqual(['config', 'namespaces-0']);
    expect(resourceFiles(dir)).toEqual(['config/c.yaml', 'namespaces-0/n.yaml']);
    expect(readFolder(dir).objects.map(o => `${o.file} ${o.object.metadata.name}`)).toEqual(['config/c.yaml c', 'namespaces-0/n.yaml n']);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('npm run verify command line', () => {
  it('refuses an unknown environment before building or starting anything', () => {
    const root = path.resolve(__dirname, '..', '..');
    const res = spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), ['verify/main.ts', '--env', 'nosuch'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, EKS_MESH_TOOLS_CACHE: path.join(os.tmpdir(), 'verify-no-tools') },
    });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/no folder .*dist\/nosuch; known: /);
    expect(fs.existsSync(path.join(os.tmpdir(), 'verify-no-tools'))).toBe(false);
  });
});

describe('pinned tools', () => {
  it('every tool has an exact version (no latest, no ranges)', () => {
    for (const t of TOOLS) expect(t.version, t.name).toMatch(/^(istio-)?v\d+\.\d+\.\d+(-[0-9a-z.-]+)?$/);
  });

  it('the Go wrapper module pins the same Kubernetes and etcd versions as the tool list', () => {
    const gomod = fs.readFileSync(path.resolve(__dirname, '..', '..', 'verify', 'tools', 'kube', 'go.mod'), 'utf8');
    const version = (name: string) => TOOLS.find(t => t.name === name)!.version;
    expect(gomod).toContain(`k8s.io/kubernetes ${version('kube-apiserver')}`);
    expect(gomod).toContain(`go.etcd.io/etcd/server/v3 ${version('etcd')}`);
  });

  it('the istioctl wrapper module pins the istio.io/istio version the tool list names', () => {
    const gomod = fs.readFileSync(path.resolve(__dirname, '..', '..', 'verify', 'tools', 'istioctl', 'go.mod'), 'utf8');
    expect(gomod).toContain(`istio.io/istio ${ISTIOCTL_MODULE_VERSION}`);
    expect(TOOLS.find(t => t.name === 'istioctl')!.version).toBe(`istio-${ISTIOCTL_MODULE_VERSION}`);
  });
});
