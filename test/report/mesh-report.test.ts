/**
 * @vitest-environment jsdom
 */
import { describe, expect, it } from 'vitest';
import { buildPlatform } from '../../charts/platform';
import { ENVIRONMENTS } from '../../charts/environments';
import { meshDiagram, synthesize } from '../../src';
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
    expect(lab).toContain('ns_orders -->|"mTLS · orders/orders-api"| payments_waypoint');
    expect(lab).toContain('subgraph ns_orders ["orders · sidecar · STRICT"]');
  });

  it('tables the encryption of each segment from the emitted objects', () => {
    const prod = report('prod');
    expect(prod).toContain('| client -> ALB | HTTPS, listener policy `ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09` |');
    expect(prod).toContain('ECDSA P-256, Secret `istio-system/istio-ingressgateway-tls` | valid 2160h, renewed 720h before expiry');
  });

  it('lists each namespace with its mode, mTLS, routes and callers', () => {
    const staging = report('staging');
    expect(staging).toContain('| `orders` | sidecar | none | PERMISSIVE | shop.staging.example.com/orders -> orders-api:80 | ingress gateway -> pods app.kubernetes.io/name=orders-api |');
    expect(staging).toContain('| `payments` | ambient | `waypoint`, ingress too | STRICT |');
    expect(report('prod')).not.toContain('orders/orders-api');
  });

  it('is not listed in kustomization.yaml, so Flux never applies it', () => {
    for (const r of results) expect(r.files.find(f => f.name === 'kustomization.yaml')!.content).not.toContain('MESH.md');
  });
});
