/**
 * The checks of the namespace's own settings: `podSecurityLevel()`, `namespaceLabels()` (none the
 * profile owns) and `telemetry()` (known fields, sane values, a waypoint in ambient mode).
 */
import { TelemetryOverrides } from '../constructs/mesh-telemetry';
import { isLabelKey, isLabelValue } from '../core/names';
import { PodSecurityLevel } from './types';
import { DeclarationKit } from './declaration-kit';

/** Namespace labels a profile owns; `namespaceLabels()` may not set them. */
const RESERVED_LABEL_PREFIXES = [
  'istio.io/',
  'istio-injection',
  'pod-security.kubernetes.io/',
  'kubernetes.io/',
  'mesh.eks-istio-mesh.io/',
  'elbv2.k8s.aws/',
];
const TAG_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/;

/** The problem of `podSecurityLevel()`, if any. */
export function checkPodSecurityLevel(kit: DeclarationKit, level: PodSecurityLevel): void {
  const { bad } = kit;
  if (!Object.values(PodSecurityLevel).includes(level))
    bad('podSecurityLevel', '', level, 'is not a Pod Security Standards level', 'use PodSecurityLevel.RESTRICTED, BASELINE or PRIVILEGED');
}

/** The problems of `namespaceLabels()`. */
export function checkNamespaceLabels(kit: DeclarationKit, labels: Record<string, string>): void {
  const { bad } = kit;
  for (const [k, v] of Object.entries(labels)) {
    if (RESERVED_LABEL_PREFIXES.some(prefix => k.startsWith(prefix)))
      bad(
        'namespaceLabels',
        `['${k}']`,
        v,
        'sets a label the profile owns (mesh enrolment, Pod Security, library labels)',
        'remove it; use the matching hook or the environment config',
      );
    else if (!isLabelKey(k) || !isLabelValue(v))
      bad('namespaceLabels', `['${k}']`, v, 'is not a valid label', 'use Kubernetes label keys and values');
  }
}

/** Telemetry overrides: known fields, sane values, and a waypoint to apply them in ambient mode. */
export function checkTelemetry(kit: DeclarationKit, telemetry: TelemetryOverrides | undefined, needsWaypoint: boolean): void {
  const { ctx, bad } = kit;
  if (telemetry === undefined) return;
  if (typeof telemetry !== 'object' || telemetry === null || Array.isArray(telemetry)) {
    bad(
      'telemetry',
      '',
      telemetry,
      'must return an object or undefined',
      'return { samplingPercentage, accessLogging, customTags } with the fields to change',
    );
    return;
  }
  const known = ['samplingPercentage', 'accessLogging', 'customTags'];
  for (const k of Object.keys(telemetry))
    if (!known.includes(k))
      bad(
        'telemetry',
        `.${k}`,
        (telemetry as Record<string, unknown>)[k],
        'is not a telemetry setting a namespace may change',
        `use ${known.join(', ')}`,
      );
  const pct = telemetry.samplingPercentage;
  if (pct !== undefined && (typeof pct !== 'number' || !(pct >= 0 && pct <= 100)))
    bad('telemetry', '.samplingPercentage', pct, 'must be a percentage from 0 to 100', 'e.g. 10 for one request in ten');
  if (telemetry.accessLogging !== undefined && typeof telemetry.accessLogging !== 'boolean')
    bad('telemetry', '.accessLogging', telemetry.accessLogging, 'must be true or false', 'return a boolean');
  for (const [k, v] of Object.entries(telemetry.customTags ?? {})) {
    if (!TAG_KEY.test(k))
      bad('telemetry', `.customTags['${k}']`, k, 'is not a valid tag name', 'use letters, digits, _ . and -, at most 63 characters');
    else if (k === 'cluster' || k === 'environment')
      bad('telemetry', `.customTags['${k}']`, v, 'is set by the platform for every span', 'use another tag name');
    if (typeof v !== 'string' || v.length === 0 || v.length > 256)
      bad('telemetry', `.customTags['${k}']`, v, 'must be a non-empty string of at most 256 characters', 'give the literal value of the tag');
  }
  if (needsWaypoint) {
    bad(
      'telemetry',
      '',
      telemetry,
      'needs a waypoint: in ambient mode ztunnel emits no spans and no HTTP access logs, so only a waypoint can apply it',
      `${ctx.addWaypoint}, or remove ${ctx.written('telemetry')}`,
    );
  }
}
