/**
 * This platform's configuration modules, loaded so that a mistake in them (a syntax error, a
 * merge-conflict marker, a throw at load time) is one line with file:line, not a stack trace.
 */
import * as path from 'node:path';
import { loadOrExit } from '../src/cli/load-errors';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..');

/** `charts/environments`, in promotion order. */
export function loadEnvironments(): typeof import('./environments').ENVIRONMENTS {
  return loadOrExit(() => (require('./environments') as typeof import('./environments')).ENVIRONMENTS, ROOT, 'the environment configs');
}

/** This platform: its environments and the teams it registers. */
export function loadPlatform(): typeof import('./app').PLATFORM {
  return loadOrExit(() => (require('./app') as typeof import('./app')).PLATFORM, ROOT, 'the platform charts and teams');
}
