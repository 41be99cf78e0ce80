/** The `cluster` and `monitoring` sections: facts of the cluster and the Prometheus that scrapes it. */
import { isLabelKey, isLabelValue } from '../../core/names';
import { EnvironmentConfig, IpFamily } from '../environment-config';
import { ResolvedEnvironment } from './types';
import { checkNamespaceName, collector, isEnumValue, Resolved, sortedRecord } from './validators';

/** Defaults of the `cluster` section. */
export const CLUSTER_DEFAULTS = {
  ipFamily: IpFamily.IPV4,
} as const;

/** Check the `cluster` section and apply its defaults. */
export function resolveCluster(raw: EnvironmentConfig['cluster']): Resolved<ResolvedEnvironment['cluster']> {
  const { problems, bad } = collector();
  const ipFamily = raw?.ipFamily ?? CLUSTER_DEFAULTS.ipFamily;
  if (!isEnumValue(IpFamily, ipFamily)) {
    bad(
      'cluster.ipFamily',
      ipFamily,
      `must be one of ${Object.values(IpFamily).join(', ')}`,
      'use IpFamily.IPV4 or IpFamily.IPV6, as the cluster was created (aws eks describe-cluster: kubernetesNetworkConfig.ipFamily)',
    );
  }
  return { problems, value: { ipFamily } };
}

/** Check the `monitoring` section (absent: no Prometheus is admitted); labels sorted by key. */
export function resolveMonitoring(raw: EnvironmentConfig['monitoring']): Resolved<ResolvedEnvironment['monitoring']> {
  const { problems, bad } = collector();
  if (raw === undefined) return { problems, value: undefined };
  checkNamespaceName(bad, 'monitoring.namespace', raw?.namespace, 'give the namespace of the Prometheus pods, e.g. monitoring');
  if (raw?.podLabels !== undefined) {
    if (Object.keys(raw.podLabels).length === 0)
      bad('monitoring.podLabels', raw.podLabels, 'is empty', "remove it to admit every pod of the namespace, or give the Prometheus pods' labels");
    for (const [key, value] of Object.entries(raw.podLabels)) {
      if (!isLabelKey(key)) bad(`monitoring.podLabels['${key}']`, key, 'is not a valid label key', 'use a Kubernetes label key');
      if (!isLabelValue(value)) bad(`monitoring.podLabels['${key}']`, value, 'is not a valid label value', 'use a Kubernetes label value');
    }
  }
  return { problems, value: { namespace: raw.namespace, ...(raw.podLabels ? { podLabels: sortedRecord(raw.podLabels) } : {}) } };
}
