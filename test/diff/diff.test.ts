import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { classify, describeObject, diffEnvironment, diffFields, DiffFormat, KubeObject, objectKey, renderDiff, RiskClass, runDiff } from '../../src';
import { ROOT } from '../util';

const parse = (yaml: string): KubeObject[] =>
  parseAllDocuments(yaml)
    .map(d => d.toJS())
    .filter(Boolean);
const risks = (before: string, after: string) =>
  classify(diffEnvironment('prod', parse(before), parse(after))).map(r => [r.riskClass, r.object, r.message]);

const pa = (mode: string) =>
  `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: { name: default, namespace: shop }\nspec: { mtls: { mode: ${mode} } }`;
const ap = (spec: Record<string, unknown>) =>
  `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: p, namespace: shop }\nspec: ${JSON.stringify(spec)}`;
const np = (spec: Record<string, unknown>) =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: n, namespace: shop }\nspec: ${JSON.stringify(spec)}`;
const GW = 'cluster.local/ns/istio-system/sa/istio-ingressgateway';
const from = (principals: string[], ops?: Record<string, unknown>) => ({
  from: [{ source: { principals } }],
  ...(ops ? { to: [{ operation: ops }] } : {}),
});

describe('risk classes', () => {
  it('mtls-weakened: STRICT -> PERMISSIVE, a STRICT policy removed, a namespace leaving the mesh', () => {
    expect(risks(pa('STRICT'), pa('PERMISSIVE'))).toEqual([['mtls-weakened', 'PeerAuthentication shop/default', 'mTLS STRICT -> PERMISSIVE']]);
    expect(risks(pa('STRICT'), '')).toEqual([
      ['mtls-weakened', 'PeerAuthentication shop/default', 'STRICT PeerAuthentication removed: the scope falls back to the mesh-wide mode'],
    ]);
    expect(risks(pa('PERMISSIVE'), pa('STRICT'))).toEqual([]);
    const ns = (labels: Record<string, string>) => `apiVersion: v1\nkind: Namespace\nmetadata: { name: shop, labels: ${JSON.stringify(labels)} }`;
    expect(risks(ns({ 'istio.io/dataplane-mode': 'ambient' }), ns({}))).toEqual([
      ['mtls-weakened', 'Namespace shop', 'namespace leaves the mesh (no ambient or injection label)'],
    ]);
    expect(risks(ns({ 'istio.io/rev': 'default' }), ns({ 'istio.io/dataplane-mode': 'ambient' }))).toEqual([]);
  });

  it('authz-widened: a new principal, a wildcard, a removed deny-all, a DENY rule removed', () => {
    expect(
      risks(ap({ rules: [from([GW], { ports: ['8080'] })] }), ap({ rules: [from([GW, 'cluster.local/ns/evil/sa/x'], { ports: ['8080'] })] }))[0],
    ).toEqual(['authz-widened', 'AuthorizationPolicy shop/p', `allows more: principals ${GW},cluster.local/ns/evil/sa/x -> ports 8080`]);
    expect(risks(ap({ rules: [from([GW])] }), ap({ rules: [from(['cluster.local/ns/*/sa/*'])] })).map(r => r[2])).toContain(
      'allows the wildcard cluster.local/ns/*/sa/*',
    );
    expect(risks(ap({}), '')).toEqual([
      ['authz-widened', 'AuthorizationPolicy shop/p', 'deny-by-default policy removed: everything in its scope is allowed'],
    ]);
    const deny = (rules: unknown[]) => ap({ action: 'DENY', rules });
    expect(risks(deny([from(['cluster.local/ns/a/sa/b']), from(['cluster.local/ns/c/sa/d'])]), deny([from(['cluster.local/ns/a/sa/b'])]))).toEqual([
      ['authz-widened', 'AuthorizationPolicy shop/p', 'denies less: no longer principals cluster.local/ns/c/sa/d -> any operation'],
    ]);
    expect(risks(ap({ rules: [from([GW])] }), ap({ rules: [{ to: [{ operation: { methods: ['GET'] } }] }] }))[0][2]).toMatch(
      /^allows more: any source -> methods GET/,
    );
  });

  it('authz-widened: not raised when a rule is narrowed or a policy removed', () => {
    expect(risks(ap({ rules: [from([GW, 'cluster.local/ns/a/sa/b'])] }), ap({ rules: [from([GW])] }))).toEqual([]);
    expect(risks(ap({ rules: [from([GW])] }), ap({ rules: [from([GW], { methods: ['GET'] })] }))).toEqual([]);
    expect(risks(ap({ rules: [from([GW])] }), '')).toEqual([]);
  });

  it('network-opened: a new peer, a port list removed, a policy removed; not when narrowed', () => {
    const rule = (peers: unknown[], ports?: unknown[]) =>
      np({ podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: peers, ...(ports ? { ports } : {}) }] });
    const a = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'a' } } };
    const b = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b' } } };
    expect(risks(rule([a], [{ port: 8080 }]), rule([a, b], [{ port: 8080 }]))[0][2]).toMatch(/^allows more ingress/);
    expect(risks(rule([a], [{ port: 8080 }]), rule([a]))[0][2]).toMatch(/^allows more ingress/);
    expect(risks(rule([a]), '')).toEqual([['network-opened', 'NetworkPolicy shop/n', 'NetworkPolicy removed']]);
    expect(risks(rule([a, b]), rule([a]))).toEqual([]);
  });

  it('egress-opened: REGISTRY_ONLY dropped, egress hosts added, a new external host', () => {
    const sidecar = (mode: string, hosts: string[]) =>
      `apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: { name: default, namespace: shop }\nspec: { egress: [{ hosts: ${JSON.stringify(hosts)} }], outboundTrafficPolicy: { mode: ${mode} } }`;
    expect(risks(sidecar('REGISTRY_ONLY', ['./*']), sidecar('ALLOW_ANY', ['./*']))).toEqual([
      ['egress-opened', 'Sidecar shop/default', 'REGISTRY_ONLY dropped: unknown hosts pass through'],
    ]);
    expect(risks(sidecar('REGISTRY_ONLY', ['./*']), sidecar('REGISTRY_ONLY', ['./*', '*/*']))).toEqual([
      ['egress-opened', 'Sidecar shop/default', 'egress hosts added: */*'],
    ]);
    const se =
      'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: { name: pastebin.com, namespace: shop }\nspec: { hosts: [pastebin.com], location: MESH_EXTERNAL, ports: [{ number: 443, name: tls, protocol: TLS }] }';
    expect(risks('', se)).toEqual([['egress-opened', 'ServiceEntry shop/pastebin.com', 'external hosts pastebin.com now reachable']]);
  });

  it('alb-changed: SSL policy and scheme', () => {
    const ing = (policy: string, scheme: string) =>
      `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: edge, namespace: istio-system, annotations: { alb.ingress.kubernetes.io/ssl-policy: ${policy}, alb.ingress.kubernetes.io/scheme: ${scheme} } }`;
    expect(risks(ing('ELBSecurityPolicy-TLS13-1-2-2021-06', 'internal'), ing('ELBSecurityPolicy-2016-08', 'internet-facing')).map(r => r[2])).toEqual(
      ['scheme: "internal" -> "internet-facing"', 'ssl-policy: "ELBSecurityPolicy-TLS13-1-2-2021-06" -> "ELBSecurityPolicy-2016-08"'],
    );
  });

  it('certificate-changed: the key or the duration', () => {
    const cert = (alg: string, duration: string) =>
      `apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: { name: gw, namespace: istio-system }\nspec: { secretName: gw-tls, duration: ${duration}, privateKey: { algorithm: ${alg}, size: 256 } }`;
    expect(risks(cert('ECDSA', '2160h'), cert('RSA', '8760h')).map(r => r[2])).toEqual([
      'duration: "2160h" -> "8760h"',
      'privateKey: {"algorithm":"ECDSA","size":256} -> {"algorithm":"RSA","size":256}',
    ]);
  });

  it("gateway-tls-changed: a server's TLS or hosts", () => {
    const gw = (mode: string, hosts: string[]) =>
      `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: { name: shared-gateway, namespace: istio-system }\nspec: { servers: [{ port: { number: 443, name: https, protocol: HTTPS }, hosts: ${JSON.stringify(hosts)}, tls: { mode: ${mode}, credentialName: gw-tls } }] }`;
    expect(risks(gw('SIMPLE', ['*']), gw('PASSTHROUGH', ['shop.example.com'])).map(r => r[0])).toEqual([
      'gateway-tls-changed',
      'gateway-tls-changed',
    ]);
  });
});

describe('semantic diff', () => {
  it('keys objects by group, kind, namespace and name, and names an object without a name as such', () => {
    expect(objectKey({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'shop' } })).toBe(
      'security.istio.io/PeerAuthentication/shop/default',
    );
    expect(objectKey({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } })).toBe('/Namespace//shop');
    expect(describeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'shop' } })).toBe('ConfigMap shop/(no name)');
  });

  it('pairs objects by identity and lists field paths with old and new values; named lists by name, scalar lists as sets', () => {
    expect(
      diffFields(
        {
          spec: {
            servers: [
              { name: 'a', port: 1 },
              { name: 'b', port: 2 },
            ],
            hosts: ['x', 'y'],
          },
        },
        {
          spec: {
            servers: [
              { name: 'b', port: 3 },
              { name: 'a', port: 1 },
            ],
            hosts: ['y', 'x', 'z'],
          },
        },
      ),
    ).toEqual([
      { path: 'spec.hosts[]', after: 'z' },
      { path: 'spec.servers[name=b].port', before: 2, after: 3 },
    ]);
  });

  it('detects a rename (same content under a new name) instead of a delete and a create', () => {
    const d = diffEnvironment(
      'prod',
      parse(ap({ rules: [from([GW])] })),
      parse(ap({ rules: [from([GW])] }).replace('name: p', 'name: allow-gateway')),
    );
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.renamed.map(r => [r.before.metadata.name, r.after.metadata.name])).toEqual([['p', 'allow-gateway']]);
  });

  it('renders security-relevant changes first, as Markdown for a PR comment', () => {
    const diffs = [diffEnvironment('prod', parse(pa('STRICT')), parse(pa('PERMISSIVE')))];
    const md = renderDiff(diffs, diffs.flatMap(classify), 'main -> working tree', DiffFormat.MARKDOWN);
    expect(md.indexOf('### Security-relevant changes (1)')).toBeLessThan(md.indexOf('### prod'));
    expect(md).toContain('| prod | `mtls-weakened` | `PeerAuthentication shop/default` | mTLS STRICT -> PERMISSIVE |');
    expect(md).toContain('  - `spec.mtls.mode`: `STRICT` -> `PERMISSIVE`');
  });
});

describe('npm run diff', () => {
  function tree(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-difftree-'));
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content);
    }
    return dir;
  }

  it('exits 1 only for the classes asked with failOn', () => {
    const base = tree({ 'prod/40-shop.yaml': pa('STRICT') });
    const head = tree({ 'prod/40-shop.yaml': pa('PERMISSIVE') });
    const out: string[] = [];
    expect(runDiff({ root: ROOT, baseDir: base, headDir: head, failOn: [RiskClass.MTLS_WEAKENED], out: l => out.push(l) })).toBe(1);
    expect(runDiff({ root: ROOT, baseDir: base, headDir: head, failOn: [RiskClass.AUTHZ_WIDENED], out: () => undefined })).toBe(0);
    expect(runDiff({ root: ROOT, baseDir: base, headDir: head, out: () => undefined })).toBe(0);
    expect(out.join('\n')).toContain('mTLS STRICT -> PERMISSIVE');
    fs.rmSync(base, { recursive: true });
    fs.rmSync(head, { recursive: true });
  });

  it('runs the migration gate between the two sides: a step that skips the safe intermediate state is reported', () => {
    const ns = (labels: string) =>
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: catalog\n  labels:\n    mesh.eks-istio-mesh.io/team: catalog\n${labels}`;
    const mtls = (mode: string) =>
      `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: catalog\nspec:\n  mtls:\n    mode: ${mode}\n`;
    const sidecarPermissive = tree({ 'lab/namespaces/40-catalog.yaml': `${ns('    istio-injection: enabled\n')}---\n${mtls('PERMISSIVE')}` });
    const ambientStrict = tree({ 'lab/namespaces/40-catalog.yaml': `${ns('    istio.io/dataplane-mode: ambient\n')}---\n${mtls('STRICT')}` });
    const ambientPermissive = tree({ 'lab/namespaces/40-catalog.yaml': `${ns('    istio.io/dataplane-mode: ambient\n')}---\n${mtls('PERMISSIVE')}` });
    try {
      const out: string[] = [];
      expect(
        runDiff({
          root: ROOT,
          baseDir: sidecarPermissive,
          headDir: ambientStrict,
          format: DiffFormat.TEXT,
          failOn: [RiskClass.MIGRATION_STEP_SKIPPED],
          out: l => out.push(l),
        }),
      ).toBe(1);
      expect(out.join('\n')).toContain(
        '[lab] migration-step-skipped  Namespace catalog: sidecar/PERMISSIVE -> ambient/STRICT switches from sidecar to ambient under STRICT',
      );
      // The safe step (still PERMISSIVE) is not reported.
      const safe: string[] = [];
      expect(
        runDiff({
          root: ROOT,
          baseDir: sidecarPermissive,
          headDir: ambientPermissive,
          format: DiffFormat.TEXT,
          failOn: [RiskClass.MIGRATION_STEP_SKIPPED],
          out: l => safe.push(l),
        }),
      ).toBe(0);
      expect(safe.join('\n')).not.toContain('migration-step-skipped');
    } finally {
      for (const d of [sidecarPermissive, ambientStrict, ambientPermissive]) fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('needs the synth entry point from its caller to synthesize a side', () => {
    const out: string[] = [];
    expect(runDiff({ root: ROOT, base: 'HEAD', headDir: path.join(ROOT, 'dist'), out: l => out.push(l) })).toBe(2);
    expect(out.join('\n')).toBe('diff: could not synthesize: give the synth entry point (entryPoint) or a synthesize function to synthesize a side');
  });

  it('synthesizes a git ref in a temporary worktree and compares it with the working tree', () => {
    const out: string[] = [];
    const code = runDiff({
      root: ROOT,
      entryPoint: 'charts/main.ts',
      base: 'HEAD',
      headDir: path.join(ROOT, 'dist'),
      format: DiffFormat.TEXT,
      out: l => out.push(l),
    });
    expect(code).toBe(0);
    expect(out.join('\n')).toContain('Mesh changes: HEAD -> ');
    expect(out.join('\n')).toMatch(/^prod: /m);
  });
});
