/**
 * A profile built from the `declarations` prop: the same output as the subclass that returns the
 * same data from its hooks, overridden hooks winning over the prop, and problems naming the
 * prop's fields.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AmbientNamespaceProfile,
  Manifest,
  NamespaceDeclarations,
  NamespaceProfile,
  NamespaceProfileProps,
  RouteDeclaration,
  SidecarNamespaceProfile,
  synthesize,
} from '../../src';
import { baseConfig, crdSchemas, synthProblems } from '../util';
import { FixtureAmbient, FixtureSidecar, fullHooks, HookValues } from './fixtures';
import { Construct } from 'constructs';

type ProfileClass = new (scope: Construct, id: string, props: NamespaceProfileProps) => NamespaceProfile;

function synthWith(Profile: ProfileClass, declarations?: NamespaceDeclarations): Manifest[] {
  const [result] = synthesize(
    [baseConfig({ namespaces: { fixture: {} } })],
    (app, env) => {
      new Profile(app, 'fixture', { env, ...(declarations ? { declarations } : {}) });
    },
    { schemas: crdSchemas() },
  );
  return result.charts.filter(c => c.fileName === '40-fixture.yaml').flatMap(c => c.objects);
}

/** Every hook value of the fixtures but `extraResources()` (code, not data). */
function declarationsOf(hooks: HookValues, ambient: boolean): NamespaceDeclarations {
  const { extra: _extra, waypoint, ...rest } = hooks;
  return ambient ? { ...rest, waypoint } : rest;
}

beforeEach(() => {
  FixtureAmbient.hooks = {};
  FixtureSidecar.hooks = {};
});

describe('a profile from declarations', () => {
  it('an ambient profile from declarations synthesizes the same objects as the subclass returning them from its hooks', () => {
    const declarations = declarationsOf(fullHooks(), true);
    FixtureAmbient.hooks = declarations as HookValues;
    const fromHooks = synthWith(FixtureAmbient);
    const fromProps = synthWith(AmbientNamespaceProfile, declarations);
    expect(fromProps.length).toBeGreaterThan(10);
    expect(fromProps.map(o => `${o.kind} ${o.metadata.name}`)).toContain('Gateway waypoint');
    expect(fromProps).toEqual(fromHooks);
  });

  it('a sidecar profile from declarations synthesizes the same objects as the subclass returning them from its hooks', () => {
    const declarations = declarationsOf(fullHooks(), false);
    FixtureSidecar.hooks = declarations as HookValues;
    const fromHooks = synthWith(FixtureSidecar);
    const fromProps = synthWith(SidecarNamespaceProfile, declarations);
    expect(fromProps.map(o => `${o.kind} ${o.metadata.name}`)).toContain('Sidecar default');
    expect(fromProps).toEqual(fromHooks);
  });

  it('an overridden hook wins over the declarations field, and super returns the field', () => {
    const services = [{ name: 'api', selector: { app: 'api' }, ports: [{ port: 80 }] }];
    const route = (name: string): RouteDeclaration => ({ name, hosts: [`${name}.apps.example.com`], rules: [{ service: 'api', port: 80 }] });
    class Replaces extends SidecarNamespaceProfile {
      protected override routes(): RouteDeclaration[] {
        return [route('mine')];
      }
    }
    class Extends extends SidecarNamespaceProfile {
      protected override routes(): RouteDeclaration[] {
        return [...super.routes(), route('mine')];
      }
    }
    const routesOf = (objects: Manifest[]) => objects.filter(o => o.kind === 'VirtualService').map(o => o.metadata.name);
    const declarations = { services, routes: [route('declared')] };
    expect(routesOf(synthWith(SidecarNamespaceProfile, declarations))).toEqual(['declared']);
    expect(routesOf(synthWith(Replaces, declarations))).toEqual(['mine']);
    expect(routesOf(synthWith(Extends, declarations))).toEqual(['declared', 'mine']);
    // super copies the field: an override that changes the list leaves the prop alone.
    expect(declarations.routes.map(r => r.name)).toEqual(['declared']);
  });

  it('names the declarations field, not a hook, in a problem of a profile built from the prop', () => {
    const problems = synthProblems(() =>
      synthWith(AmbientNamespaceProfile, {
        services: [{ name: 'api', selector: { app: 'api' }, ports: [{ port: 80 }] }],
        routes: [{ name: 'web', hosts: ['web.example.org'], rules: [{ service: 'apx', port: 80 }] }],
        jwtRules: [{ issuer: 'https://id.example.com', jwksUri: 'https://id.example.com/jwks', services: ['api'] }],
      }),
    );
    expect(problems).toEqual([
      '[test] fixture: \'declarations.routes[0].hosts[0]\' is not under any domain of environment test (apps.example.com); got "web.example.org". fix: use a host under one of those domains, or add the domain to the environment config',
      '[test] fixture: \'declarations.routes[0].rules[0].service\' is not a Service declared by declarations.services; got "apx". fix: declare it in declarations.services, or use one of: api',
      '[test] fixture: \'declarations.jwtRules[0]\' needs a waypoint: ztunnel cannot validate JWTs; got "https://id.example.com". fix: set declarations.waypoint to {}',
    ]);
  });

  it('refuses a declarations field that is not one, naming the field it is closest to', () => {
    const problems = synthProblems(() => synthWith(SidecarNamespaceProfile, { service: [] } as NamespaceDeclarations));
    expect(problems).toEqual([
      '[test] fixture: \'declarations.service\' is not a declaration field (did you mean services?): it would be ignored; got "service". fix: use one of callers, dependencies, externalHosts, jwtRules, l7Policies, namespaceLabels, podSecurityLevel, routes, services, telemetry, trafficPolicies, waypoint',
    ]);
  });

  it('refuses a waypoint declared for a sidecar profile, and accepts it for an ambient one', () => {
    const problems = synthProblems(() => synthWith(SidecarNamespaceProfile, { waypoint: {} }));
    expect(problems).toEqual([
      "[test] fixture: 'declarations.waypoint' is declared for a sidecar profile: only ambient namespaces have waypoints, so it would be ignored; got {}. fix: use AmbientNamespaceProfile for a waypoint, or remove it: sidecars enforce L7 policies in each pod's proxy",
    ]);
    expect(synthWith(AmbientNamespaceProfile, { waypoint: {} }).map(o => `${o.kind} ${o.metadata.name}`)).toContain('Gateway waypoint');
  });

  it('refuses declarations that are not an object', () => {
    const problems = synthProblems(() => synthWith(SidecarNamespaceProfile, [] as unknown as NamespaceDeclarations));
    expect(problems).toEqual([
      "[test] fixture: 'declarations' must be an object; got []. fix: give { services, routes, ... } with the fields to declare",
    ]);
  });
});
