/**
 * The composition of one environment from the library's charts and a registry of team profiles:
 * the Istio install, the mesh baseline, the shared ingress path, each app-team namespace the
 * environment enables, and the admission guard of the identities ztunnel trusts.
 */
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { ResolvedEnvironment } from '../config/resolve-environment';
import { istiodReleaseName } from '../constructs/istio-install';
import { ProtectedServiceAccount, ServiceAccountGuard } from '../constructs/service-account-guard';
import { Problem } from '../core/problem';
import { addCheck } from '../constructs/checks';
import type { AmbientNamespaceProfile } from '../profiles/ambient-namespace-profile';
import { NamespaceProfile, NamespaceProfileProps } from '../profiles/namespace-profile';
import { ControlPlaneChart } from './control-plane-chart';
import { FluxChart } from './flux-chart';
import { IngressChart } from './ingress-chart';
import { MeshBaselineChart } from './mesh-baseline-chart';

/** A team's profile class: a subclass of `AmbientNamespaceProfile` or `SidecarNamespaceProfile`. */
export type TeamProfile = new (scope: Construct, id: string, props: NamespaceProfileProps) => NamespaceProfile;

/** Every team's profile class, by namespace (the key is the namespace the profile emits). */
export type TeamRegistry = Readonly<Record<string, TeamProfile>>;

/** Options of {@link buildPlatform}. */
export interface PlatformOptions {
  /** Every team's profile class, by namespace; an environment emits those its `namespaces` lists. */
  readonly teams: TeamRegistry;
  /**
   * Where the registry is defined, for messages.
   *
   * @default 'the team registry'
   */
  readonly teamsSource?: string;
}

/** The charts of one environment. */
export interface PlatformCharts {
  readonly controlPlane: ControlPlaneChart;
  readonly meshBaseline: MeshBaselineChart;
  readonly ingress: IngressChart;
  readonly namespaces: readonly NamespaceProfile[];
}

/**
 * Compose one environment: the Istio install, mesh baseline, the ingress path, then the app-team
 * namespaces the environment enables, each from its class in `options.teams`.
 */
export function buildPlatform(app: App, env: ResolvedEnvironment, options: PlatformOptions): PlatformCharts {
  const teams = options.teams;
  const controlPlane = new ControlPlaneChart(app, 'control-plane', { env });
  const meshBaseline = new MeshBaselineChart(app, 'mesh-baseline', { env });
  meshBaseline.addDependency(controlPlane);
  const ingress = new IngressChart(app, 'ingress', { env });
  ingress.addDependency(controlPlane);
  const registry = new Construct(app, 'teams');
  const problems = teamRegistryProblems(teams);
  const namespaces = Object.keys(env.namespaces).flatMap(ns => {
    const Profile = Object.prototype.hasOwnProperty.call(teams, ns) ? teams[ns] : undefined;
    if (typeof Profile !== 'function') {
      problems.push({
        field: `namespaces['${ns}']`,
        value: ns,
        message: `is enabled in environment ${env.name}, but ${options.teamsSource ?? 'the team registry'} registers no profile class for it`,
        fix: "add the team's profile class to TEAMS under this namespace, or remove it from the environment's namespaces",
      });
      return [];
    }
    const profile = new Profile(app, ns, { env });
    profile.addDependency(ingress);
    return [profile];
  });
  addCheck(registry, () => problems);
  guardServiceAccounts(ingress, env, namespaces);
  return { controlPlane, meshBaseline, ingress, namespaces };
}

/**
 * Mistakes in the registry of team profiles: a class registered under two namespaces would emit
 * one team's Services, routes and policies twice, and its routes' hosts would be claimed by two
 * namespaces.
 */
export function teamRegistryProblems(teams: TeamRegistry): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<TeamProfile, string>();
  for (const [ns, Profile] of Object.entries(teams)) {
    if (typeof Profile !== 'function') {
      problems.push({
        field: `TEAMS['${ns}']`,
        value: typeof Profile,
        message: 'is not a profile class',
        fix: 'register the class itself (extends AmbientNamespaceProfile or SidecarNamespaceProfile)',
      });
      continue;
    }
    const first = seen.get(Profile);
    if (first !== undefined) {
      problems.push({
        field: `TEAMS['${ns}']`,
        value: Profile.name,
        message: `registers class ${Profile.name}, which TEAMS['${first}'] registers already: one team's profile would be emitted into two namespaces`,
        fix: `register ${Profile.name} under one namespace; give the other namespace its own profile class`,
      });
    } else {
      seen.set(Profile, ns);
    }
  }
  return problems;
}

/**
 * The admission guard of the identities ztunnel trusts: the ingress gateway's ServiceAccount
 * (workloads written by Flux's helm-controller) and each ambient namespace's waypoint ServiceAccount
 * (workloads written by istiod of an installed revision). It goes into the ingress file, once per
 * environment, after the profiles have said which waypoints exist.
 */
function guardServiceAccounts(ingress: IngressChart, env: ResolvedEnvironment, namespaces: readonly NamespaceProfile[]): ServiceAccountGuard {
  const istiods = env.istio.installedRevisions.map(r => `system:serviceaccount:${env.istio.rootNamespace}:${istiodReleaseName(r)}`);
  const serviceAccounts: ProtectedServiceAccount[] = [
    {
      namespace: env.ingressGateway.namespace,
      name: env.ingressGateway.serviceAccount,
      workloadCreators: [`system:serviceaccount:${env.flux.namespace}:helm-controller`],
    },
  ];
  for (const profile of namespaces) {
    // Read by property, not instanceof: a profile class from an app team's own package may come
    // with another copy of the library.
    const sa = 'waypointServiceAccount' in profile ? (profile as AmbientNamespaceProfile).waypointServiceAccount : undefined;
    if (sa) serviceAccounts.push({ namespace: profile.namespace, name: sa, workloadCreators: istiods });
  }
  return new ServiceAccountGuard(ingress, 'ServiceAccountGuard', {
    serviceAccounts,
    albGroup: env.alb.groupName ? { name: env.alb.groupName, namespace: env.ingressGateway.namespace } : undefined,
  });
}

/**
 * The Flux Kustomizations of one environment, written to `<outdir>/flux/<env>/` (outside the folder
 * they apply), synthesized after {@link buildPlatform}.
 */
export function buildFlux(app: App, env: ResolvedEnvironment): FluxChart {
  return new FluxChart(app, 'flux', { env });
}

/** Folder of the output that holds the Flux Kustomizations, one subfolder per environment. */
export const FLUX_FOLDER = 'flux';
