/**
 * The library's composition of an environment (`buildPlatform` given a team registry), the
 * platform commands, and what `app.synth()` of cdk8s does with the library's charts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AmbientNamespaceProfile,
  buildPlatform,
  DIRECT_SYNTH_MESSAGE,
  EnvironmentConfig,
  PlatformDefinition,
  RouteDeclaration,
  ServiceDeclaration,
  SidecarNamespaceProfile,
  synthesize,
  synthPlatform,
  TeamRegistry,
} from '../../src';
import { baseConfig, resolved } from '../util';

class Shop extends AmbientNamespaceProfile {
  protected override services(): ServiceDeclaration[] {
    return [{ name: 'shop-web', selector: { app: 'shop-web' }, ports: [{ port: 80, targetPort: 8080 }], serviceAccount: 'shop-web' }];
  }

  protected override routes(): RouteDeclaration[] {
    return [{ name: 'shop', hosts: [`shop.${this.env.primaryDomain}`], rules: [{ service: 'shop-web', port: 80 }] }];
  }
}

class Billing extends SidecarNamespaceProfile {
  protected override services(): ServiceDeclaration[] {
    return [{ name: 'billing-api', selector: { app: 'billing-api' }, ports: [{ port: 8080 }], serviceAccount: 'billing-api' }];
  }
}

const teams: TeamRegistry = { shop: Shop, billing: Billing };
const config = (name: string, namespaces: EnvironmentConfig['namespaces']): EnvironmentConfig =>
  baseConfig({ name, clusterName: `mesh-${name}`, namespaces });

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-platform-'));
  dirs.push(d);
  return d;
};

describe('app.synth() of cdk8s', () => {
  it('fails for an App holding a profile, naming what to call instead (it would write an empty file)', () => {
    const outdir = tmp();
    const app = new App({ outdir });
    new Shop(app, 'shop', { env: resolved({ namespaces: { shop: {} } }) });
    expect(() => app.synth()).toThrow(DIRECT_SYNTH_MESSAGE);
    expect(DIRECT_SYNTH_MESSAGE).toContain('synthesize(');
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  it('stays silent where the library synthesizes: the same profile through synthesize() has its objects', () => {
    const [result] = synthesize([baseConfig({ namespaces: { shop: {} } })], (app, env) => {
      new Shop(app, 'shop', { env });
    });
    const shop = result.charts.find(c => c.fileName === '40-shop.yaml')!;
    expect(shop.objects.map(o => `${o.kind}/${o.metadata.name}`)).toContain('AuthorizationPolicy/default-deny');
  });
});

describe('buildPlatform with a team registry', () => {
  it('emits the library charts and each namespace the environment enables, from the class the registry gives', () => {
    const [result] = synthesize([config('dev', { shop: {}, billing: {} })], (app, env) => {
      buildPlatform(app, env, { teams });
    });
    expect(result.charts.map(c => c.fileName)).toEqual([
      '10-control-plane.yaml',
      '20-mesh-baseline.yaml',
      '30-ingress.yaml',
      '40-billing.yaml',
      '40-shop.yaml',
    ]);
    const ns = (n: string) => result.charts.flatMap(c => c.objects).find(o => o.kind === 'Namespace' && o.metadata.name === n)!;
    expect(ns('shop').metadata.labels?.['istio.io/dataplane-mode']).toBe('ambient');
    expect(ns('billing').metadata.labels?.['istio.io/rev']).toBe('default');
  });

  it('names the registry it was given when an enabled namespace has no class', () => {
    expect(() =>
      synthesize([config('dev', { shop: {}, ledger: {} })], (app, env) => {
        buildPlatform(app, env, { teams, teamsSource: 'platform.ts' });
      }),
    ).toThrow("'namespaces['ledger']' is enabled in environment dev, but platform.ts registers no profile class for it");
  });
});

describe('synthPlatform', () => {
  it('writes <outdir>/<env>/ for every environment and the Flux Kustomizations into <outdir>/flux/<env>/', () => {
    const outdir = tmp();
    const platform: PlatformDefinition = { environments: [config('dev', { shop: {}, billing: {} }), config('prod', { shop: {} })], teams };
    expect(synthPlatform(platform, { outdir, log: () => undefined, error: () => undefined })).toBe(0);
    expect(fs.readdirSync(outdir).sort()).toEqual(['dev', 'flux', 'prod']);
    expect(fs.readdirSync(path.join(outdir, 'prod', 'namespaces')).sort()).toEqual(['40-shop.yaml', 'kustomization.yaml']);
    expect(fs.readdirSync(path.join(outdir, 'flux', 'dev')).sort()).toEqual(['10-flux.yaml', 'kustomization.yaml']);
  });
});
