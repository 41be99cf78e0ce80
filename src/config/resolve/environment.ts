/** The top-level fields of an environment: its name, cluster, region, domains and AWS tags. */
import { isDnsLabel, isDomainName } from '../../core/names';
import { EnvironmentConfig } from '../environment-config';
import { AWS_TAG_TEXT, collector, duplicates, EKS_CLUSTER_NAME, REGION, Resolved, sortedRecord } from './validators';

/** Environment names that are folders of `dist/` with another meaning. */
export const RESERVED_ENVIRONMENT_NAMES: readonly string[] = ['flux'];

/** The identity of an environment, as later sections read it. */
export interface EnvironmentIdentity {
  readonly name: string;
  readonly clusterName: string;
  readonly awsRegion: string;
  /** False when `awsRegion` is not a region name: checks against the region are skipped. */
  readonly regionOk: boolean;
  readonly domains: readonly string[];
}

/** Check the name, cluster name, region and domains. */
export function resolveIdentity(config: EnvironmentConfig): Resolved<EnvironmentIdentity> {
  const { problems, bad } = collector();
  if (!isDnsLabel(config.name)) {
    bad('name', config.name, 'must be a DNS label (lowercase letters, digits and -, at most 63 characters)', "use a short name such as 'prod'");
  } else if (RESERVED_ENVIRONMENT_NAMES.includes(config.name)) {
    bad('name', config.name, 'is reserved: dist/flux/ holds the Flux Kustomizations of every environment', "use another name, such as 'ops'");
  }
  if (typeof config.clusterName !== 'string' || !EKS_CLUSTER_NAME.test(config.clusterName)) {
    bad('clusterName', config.clusterName, 'is not a valid EKS cluster name', 'use 1-100 letters, digits, - and _, starting with a letter or digit');
  }
  const regionOk = typeof config.awsRegion === 'string' && REGION.test(config.awsRegion);
  if (!regionOk) {
    bad('awsRegion', config.awsRegion, 'is not an AWS region name', "use a region code such as 'eu-west-1'");
  }

  // Domains: what routes may serve and what the gateway certificate names.
  const domains = Array.isArray(config.domains) ? config.domains : [];
  if (domains.length === 0) {
    bad('domains', config.domains, 'must list at least one domain', "list the DNS domains this environment serves, e.g. ['apps.example.com']");
  }
  domains.forEach((domain, i) => {
    if (typeof domain === 'string' && domain.startsWith('*.')) {
      bad(`domains[${i}]`, domain, 'must be a domain, not a wildcard', `write '${domain.slice(2)}': names under a domain are allowed already`);
    } else if (!isDomainName(domain)) {
      bad(
        `domains[${i}]`,
        domain,
        'is not a valid DNS name',
        'use lowercase labels of letters, digits and - separated by dots, e.g. apps.example.com',
      );
    }
  });
  for (const domain of duplicates(domains)) bad('domains', domain, 'lists a domain twice', 'remove the duplicate');
  return { value: { name: config.name, clusterName: config.clusterName, awsRegion: config.awsRegion, regionOk, domains }, problems };
}

/**
 * The AWS tags, with `Environment` and `Cluster`, sorted by key. They go into a comma-separated
 * annotation: keep them to the AWS tag alphabet.
 */
export function resolveTags(raw: EnvironmentConfig['tags'], identity: EnvironmentIdentity): Resolved<Readonly<Record<string, string>>> {
  const { problems, bad } = collector();
  const tags = sortedRecord({ Environment: identity.name, Cluster: identity.clusterName, ...(raw ?? {}) });
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > 128 || !AWS_TAG_TEXT.test(key) || key.includes('=') || key.toLowerCase().startsWith('aws:')) {
      bad(`tags['${key}']`, key, 'is not a valid AWS tag key', 'use 1-128 letters, digits, spaces and _.:/+-@, not starting with aws:');
    }
    if (typeof value !== 'string' || value.length > 256 || !AWS_TAG_TEXT.test(value) || value.includes('=')) {
      bad(`tags['${key}']`, value, 'is not a valid AWS tag value', 'use at most 256 letters, digits, spaces and _.:/+-@');
    }
  }
  return { value: tags, problems };
}
