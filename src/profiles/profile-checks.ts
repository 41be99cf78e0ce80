/**
 * Checks of a namespace profile that are about the team's class and its extra objects rather than
 * its declarations: methods named like a misspelled hook, and what `extraResources()` may define.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { closestName } from '../core/closest';
import { byCodePoint } from '../core/sort';
import { Problem } from '../core/problem';
import { DECLARATION_FIELDS } from './declaration-checks';
import { DataplaneMode } from './types';

/** The hooks a profile subclass may override: one per declaration field (`waypoint` only in ambient profiles), and `extraResources`. */
export const PROFILE_HOOKS: readonly string[] = [...DECLARATION_FIELDS, 'extraResources'].sort(byCodePoint);

/**
 * Kinds that are not namespaced, which `extraResources()` may not define: the cluster-scoped kinds
 * of the Kubernetes API (core groups, as `kubectl api-resources --namespaced=false` lists them),
 * and the kinds of the pinned CRDs with `scope: Cluster` (`.crds/`: cert-manager ClusterIssuer,
 * Gateway API GatewayClass, AWS Load Balancer Controller IngressClassParams; a test keeps this
 * list in step with the CRD files). A kind not listed here is taken to be namespaced.
 */
export const CLUSTER_SCOPED_KINDS: readonly string[] = [
  // Core Kubernetes API groups.
  'APIService',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'ClusterTrustBundle',
  'ComponentStatus',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'DeviceClass',
  'DeviceTaintRule',
  'FlowSchema',
  'IngressClass',
  'IPAddress',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'ResourceSlice',
  'RuntimeClass',
  'SelfSubjectAccessReview',
  'SelfSubjectReview',
  'SelfSubjectRulesReview',
  'ServiceCIDR',
  'StorageClass',
  'StorageVersion',
  'StorageVersionMigration',
  'SubjectAccessReview',
  'TokenReview',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
  'VolumeAttributesClass',
  // Pinned CRDs with scope: Cluster.
  'ClusterIssuer',
  'GatewayClass',
  'IngressClassParams',
];

/**
 * Methods of the team's class that look like hooks but are not: a misspelled hook (`calers()`)
 * is never called, so what it declares is silently missing (`noImplicitOverride` in tsconfig.json
 * catches it at compile time, but `npm run synth` does not type check). Only names within two
 * edits of a hook are refused, so helper methods with other names stay free. A `waypoint()` on a
 * sidecar profile is never called either: only ambient namespaces have waypoints.
 *
 * @param profile the team's profile
 * @param baseProto the library's base prototype: methods from it down are the library's
 */
export function hookNameProblems(profile: object, baseProto: object, className: string, targetDataplaneMode: DataplaneMode): Problem[] {
  const problems: Problem[] = [];
  const base = new Set<string>();
  for (let proto: object | null = baseProto; proto; proto = Object.getPrototypeOf(proto)) Object.getOwnPropertyNames(proto).forEach(n => base.add(n));
  const own = new Set<string>();
  for (let proto = Object.getPrototypeOf(profile); proto && proto !== baseProto; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, name);
      if (typeof d?.value === 'function' && name !== 'constructor') own.add(name);
    }
  }
  for (const name of [...own].sort(byCodePoint)) {
    if (PROFILE_HOOKS.includes(name) || base.has(name)) continue;
    const hook = closestName(name, PROFILE_HOOKS, 2);
    if (hook) {
      problems.push({
        field: `${className}.${name}()`,
        value: name,
        message: `is not a hook (did you mean ${hook}()?): the profile never calls it, so what it returns is ignored`,
        fix: `rename it to ${hook}() and mark it override, or give the helper a name further from the hooks'`,
      });
    }
  }
  if (targetDataplaneMode === DataplaneMode.SIDECAR && typeof (profile as { waypoint?: unknown }).waypoint === 'function') {
    problems.push({
      field: `${className}.waypoint()`,
      value: className,
      message: 'is defined on a sidecar profile: only ambient namespaces have waypoints, so it is never called',
      fix: "extend AmbientNamespaceProfile for a waypoint, or remove waypoint(): sidecars enforce L7 policies in each pod's proxy",
    });
  }
  return problems;
}

/** Objects added by `extraResources()` must stay in the namespace and leave its invariants alone. */
export function extraResourceProblems(extra: Construct, namespace: string, className: string, dataplaneMode: DataplaneMode): Problem[] {
  const problems: Problem[] = [];
  const owned = ['Namespace', 'PeerAuthentication'];
  const field = `${className}.extraResources()`;
  for (const obj of extra.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject)) {
    const where = `${obj.kind} ${obj.name}`;
    if (obj.kind === 'List' || obj.kind.endsWith('List')) {
      // kustomize expands a List into its items, which would then skip every check here.
      problems.push({
        field,
        value: where,
        message: 'is a List: kustomize applies its items, which no check of the profile sees',
        fix: 'define each item as its own object in extraResources()',
      });
      continue;
    }
    if (CLUSTER_SCOPED_KINDS.includes(obj.kind)) {
      problems.push({
        field,
        value: where,
        message: 'is cluster-scoped: it would reach beyond the namespace',
        fix: 'define cluster-wide objects in the platform charts',
      });
    } else if (obj.metadata.namespace !== namespace) {
      problems.push({
        field,
        value: where,
        message: `defines an object outside namespace ${namespace} (in ${obj.metadata.namespace})`,
        fix: `keep extra objects in ${namespace}; cluster-wide objects belong to the platform charts`,
      });
    }
    if (owned.includes(obj.kind)) {
      problems.push({
        field,
        value: where,
        message: `defines a ${obj.kind}, which the profile owns`,
        fix: 'override the matching hook instead (mTLS comes from the environment config)',
      });
    }
    if (obj.kind === 'Sidecar' && dataplaneMode === DataplaneMode.AMBIENT) {
      problems.push({
        field,
        value: where,
        message: 'defines a Sidecar in an ambient namespace, where ztunnel and waypoints ignore it',
        fix: 'remove it; restrict egress with externalHosts() and NetworkPolicies',
      });
    }
  }
  return problems;
}
