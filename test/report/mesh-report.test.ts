/**
 * @vitest-environment jsdom
 */
import { describe, expect, it } from 'vitest';
import { buildPlatform } from '../fixtures/platform';
import { ENVIRONMENTS } from '../fixtures/platform';
import { meshDiagram, renderMeshReport, synthesize } from '../../src';
import { crdSchemas } from '../util';

const results = synthesize(ENVIRONMENTS, buildPlatform, { schemas: crdSchemas() });
const report = (name: string) => results.find(r => r.env.name === name)!.files.find(f => f.name === 'MESH.md')!.content;

describe('MESH.md', () => {
  it.each(ENVIRONMENTS.map(e => e.name))('%s: its Mermaid diagram parses with the Mermaid parser', async name => {
    // mermaid needs a DOM for its sanitizer: this file runs under jsdom.
    const { default: mermaid } = await import('mermaid');
    const r = results.find(x => x.env.name === name)!;
    const diagram = meshDiagram(r.env, r.charts.flatMap(c => c.objects) as any);
    await expect(mermaid.parse(diagram)).resolves.toMatchObject({ diagramType: 'flowchart-v2' });
  });

  it('the parser does reject a broken diagram (the parse check can fail)', async () => {
    const { default: mermaid } = await import('mermaid');
    await expect(mermaid.parse('flowchart LR\n  a -->|x| [b')).rejects.toThrow(/Parse error/);
  });

  it('shows the path, the waypoint and who may call whom', () => {
    const lab = report('lab');
    expect(lab).toContain('clients -->|"HTTPS · ELBSecurityPolicy-TLS13-1-2-2021-06"| alb');
    expect(lab).toContain('subgraph ns_payments ["payments · ambient · STRICT"]');
    expect(lab).toContain('payments_waypoint{{"waypoint · waypoint (L7)"}}');
    expect(lab).toContain('gateway -->|"pay.lab.example.com /v1"| payments_waypoint');
    expect(lab).toContain('subgraph ns_orders ["orders · sidecar · STRICT"]');
  });

  it('draws the path traffic takes: a sidecar caller straight to the pods, an ambient caller through the waypoint', () => {
    const lab = report('lab');
    expect(lab).toContain('ns_orders -->|"mTLS, HBONE to the pod · orders/orders-api"| payments_svc_payments_api');
    expect(lab).not.toContain('ns_orders -->|"mTLS · orders/orders-api"| payments_waypoint');
    expect(lab).toContain('ns_payments -->|"mTLS · payments/payments-api"| payments_waypoint');
    expect(lab).toContain('orders/orders-api -> payments-api (to the pods, L4)');
  });

  it('shows a grant that admits nobody as denied, and draws no edge for it', () => {
    const r = results.find(x => x.env.name === 'lab')!;
    // The shape that is always denied: a sidecar principal only in the waypoint's (targetRefs) policy.
    const objects = [
      ...(r.charts.flatMap(c => c.objects) as any[]).filter(
        o => !(o.kind === 'AuthorizationPolicy' && o.metadata.name === 'allow-direct-payments-api'),
      ),
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'allow-payments-api', namespace: 'payments' },
        spec: {
          targetRefs: [{ group: '', kind: 'Service', name: 'payments-api' }],
          rules: [{ from: [{ source: { principals: ['cluster.local/ns/orders/sa/orders-api'] } }] }],
        },
      },
    ];
    const md = renderMeshReport(r.env, objects);
    expect(md).toContain('orders/orders-api -> payments-api (denied: sidecars send straight to the pods, never through the waypoint)');
    expect(meshDiagram(r.env, objects)).not.toMatch(/ns_orders -->.*payments/);
  });

  it('says plaintext and not enforced for a namespace out of the mesh, never mTLS or deny-by-default', () => {
    const preprod = report('preprod');
    expect(preprod).toContain('subgraph ns_catalog ["catalog · out of mesh · plaintext"]');
    expect(preprod).toContain('| `catalog` | out of mesh | none | none: plaintext |');
    expect(preprod).toContain('not enforced: no proxy runs here');
    expect(preprod).toContain('| anything -> `catalog` (out of the mesh) | **plaintext**; no Istio authorization is enforced');
    expect(preprod).toContain('gateway -->|"catalog.preprod.example.com · plaintext"| catalog_svc_catalog_api');
    expect(preprod.split('\n').find(l => l.startsWith('| `catalog`'))).not.toMatch(/STRICT|PERMISSIVE|deny/);
  });

  it('tables the encryption of each segment from the emitted objects', () => {
    const prod = report('prod');
    expect(prod).toContain('| client -> ALB | HTTPS, listener policy `ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09` |');
    expect(prod).toContain('ECDSA P-256, Secret `istio-system/istio-ingressgateway-tls` | valid 2160h, renewed 720h before expiry');
  });

  it('lists each namespace with its mode, mTLS, routes and callers', () => {
    const staging = report('staging');
    expect(staging).toContain(
      '| `orders` | sidecar | none | PERMISSIVE | shop.staging.example.com/orders -> orders-api:80 | ingress gateway -> orders-api |',
    );
    expect(staging).toContain('| `payments` | ambient | `waypoint`, ingress too | STRICT |');
    expect(report('prod')).not.toContain('orders/orders-api');
  });

  it('is not listed in kustomization.yaml, so Flux never applies it', () => {
    for (const r of results) expect(r.files.find(f => f.name === 'kustomization.yaml')!.content).not.toContain('MESH.md');
  });
});
