/** The `availability` section: replicas of istiod, the ingress gateway and every waypoint. */
import { EnvironmentConfig } from '../environment-config';
import { ResolvedEnvironment } from './types';
import { collector, Resolved } from './validators';

/** Defaults of the `availability` section; the replica counts follow from `highlyAvailable`. */
export const AVAILABILITY_DEFAULTS = {
  highlyAvailable: true,
  metricsServer: false,
  /** Two pods when highly available: one pod is an outage when its node drains. */
  replicas: (highlyAvailable: boolean): number => (highlyAvailable ? 2 : 1),
  /** The HPA's ceiling: five pods, or the fixed count when that is higher. */
  maxReplicas: (replicas: number): number => Math.max(5, Number.isInteger(replicas) ? replicas : 0),
} as const;

/** Check the `availability` section and apply its defaults. */
export function resolveAvailability(raw: EnvironmentConfig['availability']): Resolved<ResolvedEnvironment['availability']> {
  const { problems, bad } = collector();
  const avail = raw ?? {};
  const highlyAvailable = avail.highlyAvailable ?? AVAILABILITY_DEFAULTS.highlyAvailable;
  const metricsServer = avail.metricsServer ?? AVAILABILITY_DEFAULTS.metricsServer;
  const replicas = avail.replicas ?? AVAILABILITY_DEFAULTS.replicas(highlyAvailable);
  if (typeof highlyAvailable !== 'boolean')
    bad('availability.highlyAvailable', highlyAvailable, 'must be true or false', 'remove it (highly available), or set false in a lab');
  if (typeof metricsServer !== 'boolean')
    bad('availability.metricsServer', metricsServer, 'must be true or false', 'set true only if metrics-server runs in the cluster');
  if (!Number.isInteger(replicas) || replicas < 1) {
    bad('availability.replicas', replicas, 'must be an integer of at least 1', 'use 2 or more (1 only with highlyAvailable: false)');
  } else if (highlyAvailable === true && replicas < 2) {
    bad(
      'availability.replicas',
      replicas,
      'is below 2 while highlyAvailable is true: one pod is an outage when its node drains',
      'use 2 or more, or set availability.highlyAvailable: false',
    );
  }
  if (avail.maxReplicas !== undefined && metricsServer !== true) {
    bad(
      'availability.maxReplicas',
      avail.maxReplicas,
      'is set but availability.metricsServer is not true: no HPA is emitted, so nothing reads it',
      'remove it, or set metricsServer: true if metrics-server runs',
    );
  }
  const maxReplicas = avail.maxReplicas ?? AVAILABILITY_DEFAULTS.maxReplicas(replicas);
  if (metricsServer === true && (!Number.isInteger(maxReplicas) || maxReplicas < replicas)) {
    bad(
      'availability.maxReplicas',
      maxReplicas,
      `must be an integer of at least availability.replicas (${replicas})`,
      'raise it, or lower availability.replicas',
    );
  }
  return {
    problems,
    value: { highlyAvailable, metricsServer, replicas: metricsServer ? { replicas, maxReplicas } : { replicas } },
  };
}
