/** The `namespaces` and `retiredNamespaces` sections: app-team namespaces and their migration state. */
import { isDnsLabel } from '../../core/names';
import { byCodePoint } from '../../core/sort';
import { DataplaneMode, EnvironmentConfig, MtlsMode } from '../environment-config';
import { ResolvedNamespaceSettings } from './types';
import { checkNamespaceName, collector, isEnumValue, isReason, NOT_A_NAMESPACE, REASON_TOO_SHORT, Resolved } from './validators';

/** Namespaces of Kubernetes itself, never an app team's. */
const KUBERNETES_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'default'];

/** Reasons a namespace's settings may give, each at least 10 characters. */
const REASON_FIELDS = ['aheadOfPreviousBecause', 'strictExemptionBecause', 'unsafeTransitionBecause'] as const;

/** What the `namespaces` section needs from the rest of the config. */
export interface NamespacesContext {
  readonly rootNamespace: string;
  readonly gatewayNamespace: string;
  /** The mesh-wide mode: each namespace's default, and what out-of-mesh namespaces are gated by. */
  readonly mtlsMode: MtlsMode;
}

/** Check the enabled namespaces and apply the mesh-wide mTLS mode as their default; sorted by name. */
export function resolveNamespaces(
  raw: EnvironmentConfig['namespaces'],
  context: NamespacesContext,
): Resolved<Readonly<Record<string, ResolvedNamespaceSettings>>> {
  const { problems, bad } = collector();
  const namespaces: Record<string, ResolvedNamespaceSettings> = {};
  const system = [context.rootNamespace, context.gatewayNamespace, ...KUBERNETES_NAMESPACES];
  for (const [ns, settings] of Object.entries(raw ?? {}).sort(([a], [b]) => byCodePoint(a, b))) {
    const field = `namespaces['${ns}']`;
    checkNamespaceName(bad, field, ns, 'use a DNS label');
    if (system.includes(ns)) bad(field, ns, 'is a system namespace, not an app-team namespace', 'give the team its own namespace');
    const mode = settings?.mtlsMode ?? context.mtlsMode;
    if (!isEnumValue(MtlsMode, mode)) {
      bad(
        `${field}.mtlsMode`,
        mode,
        `must be one of ${Object.values(MtlsMode).join(', ')}`,
        'use MtlsMode.STRICT, or MtlsMode.PERMISSIVE while the namespace migrates',
      );
    }
    if (settings?.dataplane !== undefined && !isEnumValue(DataplaneMode, settings.dataplane)) {
      bad(
        `${field}.dataplane`,
        settings.dataplane,
        `must be one of ${Object.values(DataplaneMode).join(', ')}`,
        'use DataplaneMode.AMBIENT, SIDECAR or OUT_OF_MESH',
      );
    }
    for (const reasonField of REASON_FIELDS) {
      const reason = settings?.[reasonField];
      if (reason !== undefined && !isReason(reason)) bad(`${field}.${reasonField}`, reason, REASON_TOO_SHORT, 'say why, e.g. the incident or ticket');
    }
    const outOfMesh = settings?.dataplane === DataplaneMode.OUT_OF_MESH;
    if (outOfMesh && settings?.mtlsMode === MtlsMode.STRICT) {
      bad(
        `${field}.mtlsMode`,
        'STRICT',
        'is set on a namespace out of the mesh, where nothing enforces it',
        'enrol the namespace first with PERMISSIVE, then set STRICT',
      );
    }
    // Gate: mesh-wide STRICT rejects plaintext from every out-of-mesh client.
    if (outOfMesh && context.mtlsMode === MtlsMode.STRICT && !settings?.strictExemptionBecause) {
      bad(
        `${field}.dataplane`,
        settings?.dataplane,
        'is out of the mesh while the mesh-wide mode is STRICT: its pods can no longer call meshed Services',
        'enrol it (PERMISSIVE first), set istio.mtlsMode to PERMISSIVE (rollback level 1), or give strictExemptionBecause if it calls nothing in the mesh',
      );
    }
    namespaces[ns] = { ...settings, mtlsMode: mode };
  }
  return { problems, value: namespaces };
}

/**
 * Check the retired namespaces, by name, sorted, with the reason (trimmed). The reason lets the
 * retirement gate pass (src/checks/migration/gates.ts).
 */
export function resolveRetiredNamespaces(
  raw: EnvironmentConfig['retiredNamespaces'],
  enabled: EnvironmentConfig['namespaces'],
): Resolved<Readonly<Record<string, string>>> {
  const { problems, bad } = collector();
  const retired: Record<string, string> = {};
  for (const [ns, reason] of Object.entries(raw ?? {}).sort(([a], [b]) => byCodePoint(a, b))) {
    const field = `retiredNamespaces['${ns}']`;
    if (!isDnsLabel(ns)) bad(field, ns, NOT_A_NAMESPACE, 'use the name of the namespace as dist/<env>/ holds it');
    if (!isReason(reason)) {
      bad(field, reason, REASON_TOO_SHORT, "say why and that the workloads are drained, e.g. 'INC-42: moved to cluster B; workloads drained'");
    }
    if (enabled?.[ns] !== undefined) {
      bad(
        field,
        reason,
        'names a namespace that namespaces still enables',
        `remove namespaces['${ns}'] to retire it, or remove retiredNamespaces['${ns}'] to keep it`,
      );
    }
    retired[ns] = typeof reason === 'string' ? reason.trim() : reason;
  }
  return { problems, value: retired };
}
