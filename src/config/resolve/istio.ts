/** The `istio` section: revisions, injection, the mesh-wide mTLS mode and where images come from. */
import { isDnsLabel, isDnsSubdomain } from '../../core/names';
import { byCodePoint } from '../../core/sort';
import { EnvironmentConfig, InjectionStyle, MtlsMode } from '../environment-config';
import { DEFAULT_ISTIO_CHART_REPOSITORY, DEFAULT_ISTIO_HUB, ISTIO_VERSION } from '../istio-version';
import { ResolvedEnvironment } from './types';
import {
  CHART_REPOSITORY,
  checkNamespaceName,
  collector,
  duplicates,
  IMAGE_HUB,
  isEnumValue,
  isReason,
  REASON_TOO_SHORT,
  Resolved,
  TAG_SUFFIX,
  TOO_MANY_REVISIONS,
} from './validators';

/** Defaults of the `istio` section. */
export const ISTIO_DEFAULTS = {
  revision: 'default',
  injectionStyle: InjectionStyle.REVISION_LABEL,
  mtlsMode: MtlsMode.STRICT,
  trustDomain: 'cluster.local',
  rootNamespace: 'istio-system',
  /** Only the revision namespaces use. */
  revisions: (revision: string): readonly string[] => [revision],
  hub: DEFAULT_ISTIO_HUB,
  tag: ISTIO_VERSION,
  chartRepository: DEFAULT_ISTIO_CHART_REPOSITORY,
} as const;

/** Check the `istio` section and apply its defaults. */
export function resolveIstio(raw: EnvironmentConfig['istio']): Resolved<ResolvedEnvironment['istio']> {
  const { problems, bad } = collector();
  const istio = raw ?? {};
  const revision = istio.revision ?? ISTIO_DEFAULTS.revision;
  if (!isDnsLabel(revision)) {
    bad('istio.revision', revision, 'is not a valid revision name', "use a DNS label such as 'default' or '1-30'");
  }
  const injectionStyle = istio.injectionStyle ?? ISTIO_DEFAULTS.injectionStyle;
  if (!isEnumValue(InjectionStyle, injectionStyle)) {
    bad('istio.injectionStyle', injectionStyle, `must be one of ${Object.values(InjectionStyle).join(', ')}`, 'use InjectionStyle.REVISION_LABEL');
  } else if (injectionStyle === InjectionStyle.INJECTION_LABEL && revision !== 'default') {
    bad(
      'istio.injectionStyle',
      injectionStyle,
      `cannot select revision '${revision}': istio-injection=enabled is answered only by the default revision`,
      'use InjectionStyle.REVISION_LABEL (istio.io/rev), or set istio.revision to default',
    );
  }
  const mtlsMode = istio.mtlsMode ?? ISTIO_DEFAULTS.mtlsMode;
  if (!isEnumValue(MtlsMode, mtlsMode)) {
    bad(
      'istio.mtlsMode',
      mtlsMode,
      `must be one of ${Object.values(MtlsMode).join(', ')}`,
      'use MtlsMode.STRICT, or MtlsMode.PERMISSIVE while namespaces migrate',
    );
  }
  const trustDomain = istio.trustDomain ?? ISTIO_DEFAULTS.trustDomain;
  if (!isDnsSubdomain(trustDomain)) {
    bad('istio.trustDomain', trustDomain, 'is not a valid trust domain', "use the mesh's trust domain, usually 'cluster.local'");
  }
  const rootNamespace = istio.rootNamespace ?? ISTIO_DEFAULTS.rootNamespace;
  checkNamespaceName(bad, 'istio.rootNamespace', rootNamespace, "use the namespace istiod runs in, usually 'istio-system'");

  const revisions = istio.revisions ?? ISTIO_DEFAULTS.revisions(revision);
  if (!Array.isArray(revisions) || revisions.length === 0) {
    bad('istio.revisions', revisions, 'must list at least one revision', `list the installed istiod revisions, e.g. ['${revision}']`);
  } else {
    revisions.forEach((listed, i) => {
      if (!isDnsLabel(listed, 55))
        bad(`istio.revisions[${i}]`, listed, 'is not a valid revision name', "use a DNS label of at most 55 characters such as '1-30'");
    });
    for (const listed of duplicates(revisions)) bad('istio.revisions', listed, 'lists a revision twice', 'remove the duplicate');
    if (revisions.length > 2) {
      bad('istio.revisions', revisions, TOO_MANY_REVISIONS, 'run at most the current and the canary revision side by side');
    }
    if (isDnsLabel(revision) && !revisions.includes(revision)) {
      bad(
        'istio.revision',
        revision,
        `is not installed: istio.revisions lists ${revisions.join(', ')}`,
        `add '${revision}' to istio.revisions, or set istio.revision to one of them`,
      );
    }
  }
  const hub = istio.hub ?? ISTIO_DEFAULTS.hub;
  if (typeof hub !== 'string' || !IMAGE_HUB.test(hub)) {
    bad('istio.hub', hub, 'is not an image registry path', 'e.g. 111122223333.dkr.ecr.eu-west-1.amazonaws.com/istio (no tag, no trailing /)');
  }
  const tag = istio.tag ?? ISTIO_DEFAULTS.tag;
  if (
    typeof tag !== 'string' ||
    !(tag === ISTIO_VERSION || (tag.startsWith(`${ISTIO_VERSION}-`) && TAG_SUFFIX.test(tag.slice(ISTIO_VERSION.length + 1))))
  ) {
    bad(
      'istio.tag',
      tag,
      `is not the platform's Istio version ${ISTIO_VERSION}: images and charts would differ`,
      `remove the field, or use '${ISTIO_VERSION}' followed by your mirror's suffix ('${ISTIO_VERSION}-<suffix>'); upgrade Istio through ISTIO_VERSION`,
    );
  }
  const chartRepository = istio.chartRepository ?? ISTIO_DEFAULTS.chartRepository;
  if (typeof chartRepository !== 'string' || !CHART_REPOSITORY.test(chartRepository) || chartRepository.endsWith('/')) {
    bad(
      'istio.chartRepository',
      chartRepository,
      'is not an https:// or oci:// repository URL',
      `use ${DEFAULT_ISTIO_CHART_REPOSITORY}, or your mirror (no trailing /)`,
    );
  }
  if (istio.mtlsAheadOfPreviousBecause !== undefined && !isReason(istio.mtlsAheadOfPreviousBecause)) {
    bad('istio.mtlsAheadOfPreviousBecause', istio.mtlsAheadOfPreviousBecause, REASON_TOO_SHORT, 'say why, e.g. the incident or ticket');
  }

  return {
    problems,
    value: {
      revision,
      injectionStyle,
      mtlsMode,
      trustDomain,
      rootNamespace,
      installedRevisions: Array.isArray(revisions) ? [...revisions].sort(byCodePoint) : [],
      version: ISTIO_VERSION,
      hub,
      tag,
      chartRepository,
      mtlsAheadOfPreviousBecause: istio.mtlsAheadOfPreviousBecause,
    },
  };
}
