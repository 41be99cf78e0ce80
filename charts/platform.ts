import { App } from 'cdk8s';
import { ResolvedEnvironment } from '../src/config/resolve-environment';
import { IngressChart } from './ingress-chart';
import { MeshBaselineChart } from './mesh-baseline-chart';

/** The charts of one environment of this platform. */
export interface PlatformCharts {
  readonly meshBaseline: MeshBaselineChart;
  readonly ingress: IngressChart;
}

/**
 * Compose one environment: mesh baseline, then the ingress path.
 *
 * This is the function `npm run synth` calls for each environment.
 */
export function buildPlatform(app: App, env: ResolvedEnvironment): PlatformCharts {
  const meshBaseline = new MeshBaselineChart(app, 'mesh-baseline', { env });
  const ingress = new IngressChart(app, 'ingress', { env });
  return { meshBaseline, ingress };
}
