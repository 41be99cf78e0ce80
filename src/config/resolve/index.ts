/**
 * Validate an {@link EnvironmentConfig} and apply its defaults, section by section.
 *
 * Each section has its resolver (raw section and what it needs of the rest -> resolved section and
 * problems) and its defaults next to it; shared patterns and messages are in `validators.ts`.
 * Every problem is collected; nothing is resolved from an invalid config.
 */
import { Problem } from '../../core/problem';
import { EnvironmentConfig } from '../environment-config';
import { resolveAlb } from './alb';
import { resolveAvailability } from './availability';
import { resolveCluster, resolveMonitoring } from './cluster';
import { resolveIdentity, resolveTags } from './environment';
import { resolveFlux } from './flux';
import { resolveIngressGateway } from './gateway';
import { resolveIstio } from './istio';
import { unknownFieldProblems } from './known-fields';
import { resolveNamespaces, resolveRetiredNamespaces } from './namespaces';
import { resolveEncryptedStorage } from './storage';
import { resolveTelemetry } from './telemetry';
import { ResolvedEnvironment } from './types';

export { ALB_DEFAULTS, DEFAULT_LOAD_BALANCER_ATTRIBUTES } from './alb';
export { AVAILABILITY_DEFAULTS } from './availability';
export { CLUSTER_DEFAULTS } from './cluster';
export { RESERVED_ENVIRONMENT_NAMES } from './environment';
export { FLUX_DEFAULTS } from './flux';
export { INGRESS_GATEWAY_DEFAULTS } from './gateway';
export { ISTIO_DEFAULTS } from './istio';
export { ENCRYPTED_STORAGE_DEFAULTS } from './storage';
export { TELEMETRY_DEFAULTS } from './telemetry';
export type { ResolvedEnvironment, ResolvedNamespaceSettings } from './types';
export { ipv4CidrProblem } from './validators';

/**
 * Check a config and resolve its defaults.
 *
 * @returns the resolved environment when there is no problem, and every problem found
 */
export function resolveEnvironment(config: EnvironmentConfig): { env?: ResolvedEnvironment; problems: Problem[] } {
  // A level that is not an object stops here: nothing below it can be read.
  const shape = unknownFieldProblems(config);
  if (shape.malformed) return { problems: shape.problems };

  const identity = resolveIdentity(config);
  const region = identity.value.regionOk ? config.awsRegion : undefined;
  const alb = resolveAlb(config.alb, { awsRegion: region });
  const tags = resolveTags(config.tags, identity.value);
  const istio = resolveIstio(config.istio);
  const ingressGateway = resolveIngressGateway(config.ingressGateway, {
    trustDomain: istio.value.trustDomain,
    namespaces: Object.keys(config.namespaces ?? {}),
  });
  const telemetry = resolveTelemetry(config.telemetry, config);
  const flux = resolveFlux(config.flux, config);
  const encryptedStorage = resolveEncryptedStorage(config.encryptedStorage, { awsRegion: region });
  const availability = resolveAvailability(config.availability);
  const namespaces = resolveNamespaces(config.namespaces, {
    rootNamespace: istio.value.rootNamespace,
    gatewayNamespace: ingressGateway.value.namespace,
    mtlsMode: istio.value.mtlsMode,
  });
  const retiredNamespaces = resolveRetiredNamespaces(config.retiredNamespaces, config.namespaces);
  const cluster = resolveCluster(config.cluster);
  const monitoring = resolveMonitoring(config.monitoring);

  const problems: Problem[] = [
    shape,
    identity,
    alb,
    tags,
    istio,
    ingressGateway,
    telemetry,
    flux,
    encryptedStorage,
    availability,
    namespaces,
    retiredNamespaces,
    cluster,
    monitoring,
  ].flatMap(section => section.problems);
  if (problems.length > 0) return { problems };
  return {
    problems,
    env: {
      name: config.name,
      clusterName: config.clusterName,
      awsRegion: config.awsRegion,
      // The user's order: the first domain is the primary one (route hosts are built from it).
      domains: [...identity.value.domains],
      primaryDomain: identity.value.domains[0],
      tags: tags.value,
      alb: alb.value,
      istio: istio.value,
      ingressGateway: ingressGateway.value,
      namespaces: namespaces.value,
      retiredNamespaces: retiredNamespaces.value,
      cluster: cluster.value,
      ...(monitoring.value ? { monitoring: monitoring.value } : {}),
      telemetry: telemetry.value,
      flux: flux.value,
      availability: availability.value,
      ...(encryptedStorage.value ? { encryptedStorage: encryptedStorage.value } : {}),
    },
  };
}
