/**
 * This platform as a platform module (what `eks-istio-mesh synth --app charts/app.ts` loads): the
 * environments in promotion order and the team registry.
 */
import { PlatformDefinition } from '../src';
import { ENVIRONMENTS } from './environments';
import { TEAMS } from './teams';

export const environments = ENVIRONMENTS;
export const teams = TEAMS;
export const teamsSource = 'charts/teams/index.ts';
export const configSource = (name: string): string => `charts/environments/${name}.ts`;

/** The same, as one object. */
export const PLATFORM: PlatformDefinition = { environments, teams, teamsSource, configSource };
