/**
 * `IstioInstall`: the Flux HelmRepository and HelmReleases of the Istio charts (base, istiod per
 * revision, CNI, ztunnel), their props and the checks of those props.
 * One file: it is one construct, and its props, release names and checks describe only it.
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import {
  HelmRelease,
  HelmReleaseSpecChartSpecSourceRefKind,
  HelmReleaseSpecDriftDetectionIgnore,
  HelmReleaseSpecDriftDetectionMode,
} from '../../imports/flux-helm.toolkit.fluxcd.io';
import { HelmRepository, HelmRepositorySpecType } from '../../imports/flux-source.toolkit.fluxcd.io';
import { ACCESS_LOG_PROVIDER, BUILT_IN_TELEMETRY_PROVIDERS, ISTIO_VERSION } from '../config/istio-version';
import { checkReplicaPolicy, isHighlyAvailable, ReplicaPolicy } from '../config/availability';
import { isDnsLabel, isDnsSubdomain, isLabelKey, isLabelValue } from '../core/names';
import { isPort, NOT_A_NAMESPACE, NOT_A_PORT, TOO_MANY_REVISIONS } from '../config/resolve/validators';
import { FLUX_PRUNE_ANNOTATION, FLUX_PRUNE_DISABLED } from './flux-prune';
import { Problem } from '../core/problem';
import { addCheck } from './checks';
import { byCodePoint } from '../core/sort';

/** The OpenTelemetry collector istiod's tracing provider sends spans to. */
export interface TracingProviderOptions {
  /** Name of the extension provider; Telemetry resources refer to it. */
  readonly name: string;
  /** FQDN of the collector Service (`<service>.<namespace>.svc.<cluster domain>`). */
  readonly collectorHost: string;
  /** OTLP gRPC port of the collector. */
  readonly collectorPort: number;
}

/** Properties of an {@link IstioInstall}. */
export interface IstioInstallProps {
  /** The Istio root namespace: istiod, ztunnel and istio-cni run here. */
  readonly namespace: string;
  /** The revision namespaces use (ztunnel and the ingress gateway follow it too). */
  readonly revision: string;
  /**
   * Every istiod revision to install side by side.
   *
   * @default - only `revision`
   */
  readonly revisions?: readonly string[];
  /** The OpenTelemetry tracing provider defined in meshConfig and made the default. */
  readonly tracing: TracingProviderOptions;
  /**
   * Labels of the root Namespace, for example those the ingress gateway needs when it runs there
   * (`gatewayNamespaceLabels()` of `ingress-gateway-release`).
   *
   * @default - none
   */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  /**
   * Make Envoy access logs (the built-in `envoy` provider) a default provider.
   *
   * @default false
   */
  readonly accessLogging?: boolean;
  /**
   * The mesh trust domain (`meshConfig.trustDomain`).
   *
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
  /**
   * Image registry (`global.hub`).
   *
   * @default 'docker.io/istio'
   */
  readonly hub?: string;
  /**
   * Image tag (`global.tag`).
   *
   * @default - the platform's Istio version
   */
  readonly tag?: string;
  /**
   * Helm repository of the Istio charts (`https://` or `oci://`).
   *
   * @default 'https://istio-release.storage.googleapis.com/charts'
   */
  readonly chartRepository?: string;
  /**
   * Pods of every istiod revision. With two or more, the chart's PodDisruptionBudget is enabled:
   * istiod's webhooks fail closed, so a drained single istiod blocks pod creation and Istio writes.
   * With `maxReplicas`, the chart's HPA scales between the two (needs metrics-server).
   *
   * @default { replicas: 2 } (fixed, no HPA)
   */
  readonly availability?: ReplicaPolicy;
  /**
   * How often Flux checks the releases, as a Go duration.
   *
   * @default '10m'
   */
  readonly interval?: string;
}

/** Name of the Flux HelmRepository of the Istio charts. */
export const ISTIO_HELM_REPOSITORY = 'istio';

/**
 * JSON pointers of the webhook fields istiod itself writes at run time (the CA bundle of every
 * webhook, the validation failure policy). Helm's drift detection must leave them alone, or Flux
 * and istiod would overwrite each other at every reconciliation.
 */
const ISTIOD_OWNED_WEBHOOK_FIELDS: readonly HelmReleaseSpecDriftDetectionIgnore[] = [
  {
    target: { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' },
    paths: [0, 1, 2, 3].map(i => `/webhooks/${i}/clientConfig/caBundle`),
  },
  {
    target: { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' },
    paths: [0, 1].flatMap(i => [`/webhooks/${i}/clientConfig/caBundle`, `/webhooks/${i}/failurePolicy`]),
  },
];

/** The Helm `revision` value: the revision named `default` is Istio's default revision (`""`). */
function helmRevision(revision: string): string {
  return revision === 'default' ? '' : revision;
}

/** Name of the istiod Helm release of a revision. */
export function istiodReleaseName(revision: string): string {
  return revision === 'default' ? 'istiod' : `istiod-${revision}`;
}

/**
 * The Istio ambient control plane as Flux Helm releases, in install order: `istio-base` (CRDs and
 * cluster roles), one `istiod` per revision (profile ambient), `istio-cni` (profile ambient) and
 * `ztunnel`, all from one Flux HelmRepository and at one version, the platform's
 * {@link ISTIO_VERSION}: no prop can set another.
 *
 * What istiod is given, and why:
 * - `profile: ambient`, the revision, `global.hub`/`global.tag` (set explicitly: the chart defaults
 *   are placeholders, and a private mirror is common);
 * - `meshConfig.extensionProviders` with the OpenTelemetry tracing provider, made the default
 *   tracing provider; Telemetry resources may only name providers defined here (the rule
 *   `telemetry-provider-defined` checks every Telemetry at synth and in `npm run check`);
 * - `cni.enabled: true`: sidecar pods get the unprivileged `istio-validation` init container
 *   instead of `istio-init` (NET_ADMIN, NET_RAW), which `restricted` Pod Security refuses. The
 *   ambient profile does not set it: it only sets `cni.ambient.enabled` for the cni chart. The key
 *   is top-level: the injector's values are the chart's top-level `cni` and `env`, re-nested under
 *   `pilot` (`istio-discovery/templates/istiod-injector-configmap.yaml`), so `pilot.cni` is read by
 *   nothing;
 * - `replicaCount` (or `autoscaleEnabled`/`autoscaleMin`/`autoscaleMax` with an HPA) from
 *   `availability`, and `global.defaultPodDisruptionBudget.enabled` exactly when two pods or more
 *   run: a PDB of `minAvailable: 1` over one pod would block every node drain;
 * - `global.proxy.seccompProfile` and `gateways.seccompProfile` `RuntimeDefault`: injected sidecars
 *   and the waypoints istiod deploys pass `restricted` Pod Security;
 * - `base.validationFailurePolicy: Fail` (also on the base chart): the value istiod sets at run
 *   time, so the rendered webhook matches the live one, and drift detection ignores the CA bundles
 *   istiod writes.
 *
 * The Istio CRDs are ordinary templates of the base chart (`base/templates/crds.yaml` renders
 * `files/crd-all.gen.yaml`, each CRD annotated `helm.sh/resource-policy: keep`), so Helm creates
 * and upgrades them with the release and keeps them when it is uninstalled. The chart has no
 * `crds/` folder, and Flux's `install.crds`/`upgrade.crds` policies act only on that folder
 * (fluxcd/helm-controller `internal/action/crds.go`, `applyCRDs` returns when
 * `chart.CRDObjects()` is empty): no release sets them. Every release retries failed installs and
 * corrects drift.
 *
 * Values are given only to charts that read them: the base chart renders no image (no
 * `global.hub`/`global.tag`) and the cni chart never reads `global.istioNamespace`.
 *
 * @see https://istio.io/latest/docs/ambient/install/helm/
 */
export class IstioInstall extends Construct {
  /** The Istio version of every release. */
  public readonly version = ISTIO_VERSION;
  /** The root namespace. */
  public readonly namespace: string;
  /** The Namespace object of the root namespace. */
  public readonly namespaceObject: k8s.KubeNamespace;
  /** The labels given to the root Namespace, sorted by key. */
  public readonly namespaceLabels: Readonly<Record<string, string>>;
  /** Installed revisions, sorted. */
  public readonly revisions: readonly string[];
  /** The revision namespaces, ztunnel and the gateway use. */
  public readonly revision: string;
  /** Providers a Telemetry may name: the tracing provider and istiod's built-in ones, sorted. */
  public readonly telemetryProviders: readonly string[];
  /** The HelmRepository. */
  public readonly repository: HelmRepository;
  /** The releases by name. */
  public readonly releases: Readonly<Record<string, HelmRelease>>;
  /** The istiod release of `revision`, which other releases wait for. */
  public readonly istiod: HelmRelease;

  private readonly interval: string;

  constructor(scope: Construct, id: string, props: IstioInstallProps) {
    super(scope, id);
    this.namespace = props.namespace;
    this.revision = props.revision;
    this.revisions = [...new Set(props.revisions ?? [props.revision])].sort(byCodePoint);
    this.interval = props.interval ?? '10m';
    this.telemetryProviders = [...new Set([props.tracing.name, ...BUILT_IN_TELEMETRY_PROVIDERS])].sort(byCodePoint);
    const hub = props.hub ?? 'docker.io/istio';
    const tag = props.tag ?? ISTIO_VERSION;
    const url = props.chartRepository ?? 'https://istio-release.storage.googleapis.com/charts';
    const images = { hub, tag };
    const availability = props.availability ?? { replicas: 2 };

    addCheck(this, () => this.checkProps(props));
    addCheck(this, () => checkReplicaPolicy('availability', availability));

    // Keep the root namespace when the chart is removed: deleting it would delete the mesh.
    this.namespaceLabels = Object.fromEntries(Object.entries(props.namespaceLabels ?? {}).sort(([a], [b]) => byCodePoint(a, b)));
    this.namespaceObject = new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: props.namespace,
        ...(Object.keys(this.namespaceLabels).length > 0 ? { labels: { ...this.namespaceLabels } } : {}),
        annotations: { [FLUX_PRUNE_ANNOTATION]: FLUX_PRUNE_DISABLED },
      },
    });

    this.repository = new HelmRepository(this, 'Repository', {
      // Kept too: a protected release left behind still needs its chart source.
      metadata: { name: ISTIO_HELM_REPOSITORY, namespace: props.namespace, annotations: { [FLUX_PRUNE_ANNOTATION]: FLUX_PRUNE_DISABLED } },
      spec: {
        url,
        interval: '1h',
        ...(url.startsWith('oci://') ? { type: HelmRepositorySpecType.OCI } : {}),
      },
    });

    const releases: Record<string, HelmRelease> = {};
    releases['istio-base'] = this.release(
      'istio-base',
      'base',
      [],
      {
        defaultRevision: props.revision,
        base: { validationFailurePolicy: 'Fail' },
        global: { istioNamespace: props.namespace },
      },
      true,
    );

    const meshConfig = {
      trustDomain: props.trustDomain ?? 'cluster.local',
      extensionProviders: [
        {
          name: props.tracing.name,
          opentelemetry: { service: props.tracing.collectorHost, port: props.tracing.collectorPort },
        },
      ],
      defaultProviders: {
        tracing: [props.tracing.name],
        ...(props.accessLogging ? { accessLogging: [ACCESS_LOG_PROVIDER] } : {}),
      },
    };
    for (const revision of this.revisions) {
      const name = istiodReleaseName(revision);
      releases[name] = this.release(
        name,
        'istiod',
        ['istio-base'],
        {
          profile: 'ambient',
          revision: helmRevision(revision),
          global: {
            ...images,
            istioNamespace: props.namespace,
            proxy: { seccompProfile: { type: 'RuntimeDefault' } },
            defaultPodDisruptionBudget: { enabled: isHighlyAvailable(availability) },
          },
          meshConfig,
          cni: { enabled: true },
          ...(availability.maxReplicas !== undefined
            ? { autoscaleEnabled: true, autoscaleMin: availability.replicas, autoscaleMax: availability.maxReplicas }
            : { autoscaleEnabled: false, replicaCount: availability.replicas }),
          gateways: { seccompProfile: { type: 'RuntimeDefault' } },
          base: { validationFailurePolicy: 'Fail' },
        },
        true,
      );
    }
    const istiod = istiodReleaseName(props.revision);
    releases['istio-cni'] = this.release('istio-cni', 'cni', [istiod], { profile: 'ambient', global: images });
    releases.ztunnel = this.release('ztunnel', 'ztunnel', [istiod, 'istio-cni'], {
      profile: 'ambient',
      revision: helmRevision(props.revision),
      global: { ...images, istioNamespace: props.namespace },
    });
    this.releases = releases;
    this.istiod = releases[istiod] ?? releases[istiodReleaseName(this.revisions[0])];
  }

  /**
   * Define one more release of an Istio chart (for example the ingress gateway), from the same
   * repository and at the same version, installed after istiod of `revision`.
   *
   * @param scope where to define it
   * @param id construct id
   * @param name release name (also the HelmRelease name, in the root namespace)
   * @param chart chart name in the Istio repository
   * @param values chart values
   * @param targetNamespace namespace the chart installs into
   */
  public addChartRelease(
    scope: Construct,
    id: string,
    name: string,
    chart: string,
    values: Record<string, unknown>,
    targetNamespace: string,
  ): HelmRelease {
    return this.release(name, chart, [istiodReleaseName(this.revision)], values, false, scope, targetNamespace, id);
  }

  private release(
    name: string,
    chart: string,
    dependsOn: readonly string[],
    values: Record<string, unknown>,
    ownsWebhooks = false,
    scope: Construct = this,
    targetNamespace = this.namespace,
    id = name,
  ): HelmRelease {
    // Flux never uninstalls a release (the mesh) when the Kustomization is renamed or deleted, except
    // the istiod of a revision other than `revision`: dropping it from `revisions` removes it.
    const prunable = name !== istiodReleaseName(this.revision) && this.revisions.some(r => istiodReleaseName(r) === name);
    return new HelmRelease(scope, id, {
      metadata: { name, namespace: this.namespace, ...(prunable ? {} : { annotations: { [FLUX_PRUNE_ANNOTATION]: FLUX_PRUNE_DISABLED } }) },
      spec: {
        releaseName: name,
        targetNamespace,
        storageNamespace: targetNamespace,
        interval: this.interval,
        chart: {
          spec: {
            chart,
            version: ISTIO_VERSION,
            sourceRef: { kind: HelmReleaseSpecChartSpecSourceRefKind.HELM_REPOSITORY, name: ISTIO_HELM_REPOSITORY, namespace: this.namespace },
            interval: '1h',
          },
        },
        ...(dependsOn.length > 0 ? { dependsOn: dependsOn.map(d => ({ name: d })) } : {}),
        install: { remediation: { retries: 3 } },
        upgrade: { remediation: { retries: 3 } },
        driftDetection: {
          mode: HelmReleaseSpecDriftDetectionMode.ENABLED,
          ...(ownsWebhooks ? { ignore: ISTIOD_OWNED_WEBHOOK_FIELDS.map(i => ({ paths: [...i.paths], target: { ...i.target } })) } : {}),
        },
        values,
      },
    });
  }

  private checkProps(props: IstioInstallProps): Problem[] {
    const problems: Problem[] = [];
    const bad = (field: string, value: unknown, message: string, fix: string) => problems.push({ field, value, message, fix });
    if (!isDnsLabel(props.namespace)) bad('namespace', props.namespace, NOT_A_NAMESPACE, "use the Istio root namespace, usually 'istio-system'");
    for (const listed of this.revisions)
      if (!isDnsLabel(listed, 55)) bad('revisions', listed, 'is not a valid revision name', "use a DNS label such as '1-30'");
    if (!this.revisions.includes(props.revision))
      bad('revision', props.revision, `is not installed (revisions: ${this.revisions.join(', ')})`, 'add it to revisions');
    if (this.revisions.length > 2) bad('revisions', this.revisions, TOO_MANY_REVISIONS, 'run at most the current and the canary revision');
    if (!isDnsSubdomain(props.tracing.name.toLowerCase()))
      bad('tracing.name', props.tracing.name, 'is not a valid provider name', "use a name such as 'otel-tracing'");
    if (!isPort(props.tracing.collectorPort))
      bad('tracing.collectorPort', props.tracing.collectorPort, NOT_A_PORT, 'use the OTLP gRPC port, usually 4317');
    for (const [key, value] of Object.entries(this.namespaceLabels)) {
      if (!isLabelKey(key) || !isLabelValue(value))
        bad(`namespaceLabels['${key}']`, value, 'is not a valid label', 'use Kubernetes label keys and values');
    }
    return problems;
  }
}
