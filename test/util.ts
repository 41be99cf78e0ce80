import * as path from 'node:path';
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AlbScheme,
  ChartLayer,
  CrdSchemas,
  EnvironmentConfig,
  findCrdDir,
  Manifest,
  MeshChart,
  resolveEnvironment,
  ResolvedEnvironment,
  SynthError,
  synthesize,
} from '../src';

export const ROOT = path.resolve(__dirname, '..');

/** A valid environment to start tests from; override what a test is about. */
export function baseConfig(overrides: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return {
    name: 'test',
    clusterName: 'mesh-test',
    awsRegion: 'eu-west-1',
    domains: ['apps.example.com'],
    alb: {
      scheme: AlbScheme.INTERNAL,
      sourceCidrs: ['10.0.0.0/24', '10.0.1.0/24'],
      certificateArns: ['arn:aws:acm:eu-west-1:111122223333:certificate/0b7d8e52-3c41-4a9e-9f1d-6a2b5c8e7f10'],
    },
    ...overrides,
  };
}

/** Resolve a config that must be valid. */
export function resolved(overrides: Partial<EnvironmentConfig> = {}): ResolvedEnvironment {
  const { env, problems } = resolveEnvironment(baseConfig(overrides));
  if (!env) throw new Error(`test config is invalid: ${JSON.stringify(problems)}`);
  return env;
}

let schemas: CrdSchemas | undefined;
/** The pinned CRD schemas: the committed crd-schemas/ (or EKS_MESH_CRDS); tests fail loudly without them. */
export function crdSchemas(): CrdSchemas {
  if (!schemas) {
    const dir = findCrdDir(ROOT);
    if (!dir) throw new Error('no CRD schemas: crd-schemas/ is missing; restore it from git or run `npm run import`');
    schemas = CrdSchemas.fromDirectory(dir);
  }
  return schemas;
}

/**
 * Synthesize constructs defined by `define` inside one MeshChart of a test environment.
 * Mesh rules are not run: they judge whole environments, not one construct alone.
 *
 * @returns every object, schema-checked
 */
export function synthConstructs(
  define: (scope: Construct, env: ResolvedEnvironment) => void,
  overrides: Partial<EnvironmentConfig> = {},
): Manifest[] {
  const [result] = synthesize(
    [baseConfig(overrides)],
    (app: App, env) => {
      define(new MeshChart(app, 'test', { env, layer: ChartLayer.MESH }), env);
    },
    { schemas: crdSchemas(), rules: [] },
  );
  return result.charts.flatMap(c => c.objects);
}

/** The problems a synth reports, as formatted lines; fails the test if the synth succeeds. */
export function synthProblems(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    if (e instanceof SynthError)
      return e.message
        .split('\n')
        .slice(1)
        .map(l => l.trim());
    throw e;
  }
  throw new Error('expected the synth to fail, but it succeeded');
}

export function findByKind(objects: readonly Manifest[], kind: string): Manifest[] {
  return objects.filter(o => o.kind === kind);
}

export function only(objects: readonly Manifest[], kind: string): Manifest & Record<string, any> {
  const found = findByKind(objects, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0] as Manifest & Record<string, any>;
}
