/**
 * Adding a team the way the README says: a profile class, registered in TEAMS under its namespace,
 * listed under `namespaces` of the first environment of the promotion order, synthesized.
 */
import { describe, expect, it } from 'vitest';
import { AmbientNamespaceProfile, buildPlatform, RouteDeclaration, ServiceDeclaration, SynthError, synthesize, TeamRegistry } from '../../src';
import { ENVIRONMENTS } from '../../charts/environments';
import { TEAMS } from '../../charts/teams';
import { crdSchemas } from '../util';

/** A fourth team, written as an app team writes one. */
class Inventory extends AmbientNamespaceProfile {
  protected override services(): ServiceDeclaration[] {
    return [
      {
        name: 'inventory-api',
        selector: { 'app.kubernetes.io/name': 'inventory-api' },
        ports: [{ port: 80, targetPort: 8080 }],
        serviceAccount: 'inventory-api',
      },
    ];
  }

  protected override routes(): RouteDeclaration[] {
    return [{ name: 'inventory', hosts: [`inventory.${this.env.primaryDomain}`], rules: [{ service: 'inventory-api', port: 80 }] }];
  }
}

const NEW = 'inventory';
const teams: TeamRegistry = { ...TEAMS, [NEW]: Inventory };
const build = (registry: TeamRegistry) => (app: Parameters<typeof buildPlatform>[0], env: Parameters<typeof buildPlatform>[1]) => {
  buildPlatform(app, env, { teams: registry });
};
/** The environments with the new namespace listed in those at the given positions of the promotion order. */
const enabledAt = (positions: readonly number[]) =>
  ENVIRONMENTS.map((e, i) => (positions.includes(i) ? { ...e, namespaces: { ...e.namespaces, [NEW]: {} } } : e));

describe('adding a team', () => {
  it('is not in the registry yet (the test adds one)', () => {
    expect(Object.keys(TEAMS)).not.toContain(NEW);
  });

  it('synthesizes every environment with a fourth profile registered and enabled in the first environment', () => {
    const results = synthesize(enabledAt([0]), build(teams), { schemas: crdSchemas() });
    expect(results.map(r => r.env.name)).toEqual(ENVIRONMENTS.map(e => e.name));
    const first = results[0];
    expect(first.files.map(f => f.name)).toContain(`namespaces/40-${NEW}.yaml`);
    const ns = first.charts.flatMap(c => c.objects).find(o => o.kind === 'Namespace' && o.metadata.name === NEW)!;
    expect(ns.metadata.labels?.['istio.io/dataplane-mode']).toBe('ambient');
    for (const later of results.slice(1)) expect(later.files.map(f => f.name)).not.toContain(`namespaces/40-${NEW}.yaml`);
    // Every team already registered keeps its file in the environments that enable it.
    for (const [i, r] of results.entries()) {
      for (const ns of Object.keys(ENVIRONMENTS[i].namespaces ?? {})) expect(r.files.map(f => f.name)).toContain(`namespaces/40-${ns}.yaml`);
    }
  });

  it('is refused when listed in a later environment and not in the first: the promotion gate', () => {
    let error: unknown;
    try {
      synthesize(enabledAt([1]), build(teams), { rules: [] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthError);
    expect((error as SynthError).message).toContain(`namespaces['${NEW}']`);
  });

  it('is refused when listed in an environment but not registered in TEAMS', () => {
    expect(() => synthesize(enabledAt([0]), build(TEAMS), { rules: [] })).toThrow(
      `'namespaces['${NEW}']' is enabled in environment ${ENVIRONMENTS[0].name}, but the team registry registers no profile class for it`,
    );
  });
});
