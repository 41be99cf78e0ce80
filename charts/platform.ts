/**
 * This platform's composition: the library's platform with this repository's team registry.
 */
import { App } from 'cdk8s';
import { buildPlatform as buildLibraryPlatform, PlatformCharts, ResolvedEnvironment } from '../src';
import { teamsSource } from './app';
import { TEAMS } from './teams';

export { buildFlux, teamRegistryProblems } from '../src';

/** Compose one environment of this platform (what `npm run synth` calls for each environment). */
export function buildPlatform(app: App, env: ResolvedEnvironment): PlatformCharts {
  return buildLibraryPlatform(app, env, { teams: TEAMS, teamsSource });
}
