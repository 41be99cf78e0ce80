/**
 * Name rules: DNS labels and subdomains, SPIFFE principals.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** RFC 1123 label, at most 63 characters (namespaces, Services, most object names). */
export function isDnsLabel(value: unknown, maxLength = 63): value is string {
  return typeof value === 'string' && value.length <= maxLength && DNS_LABEL.test(value);
}

/** RFC 1123 subdomain, at most 253 characters. */
export function isDnsSubdomain(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 253 && DNS_SUBDOMAIN.test(value);
}

/**
 * A public DNS name: dot-separated labels of at most 63 characters, at least two labels.
 * A leading `*.` wildcard is allowed only when `allowWildcard` is set.
 */
export function isDomainName(value: unknown, allowWildcard = false): value is string {
  if (typeof value !== 'string' || value.length > 253) return false;
  const name = allowWildcard && value.startsWith('*.') ? value.slice(2) : value;
  const labels = name.split('.');
  return labels.length >= 2 && labels.every(l => isDnsLabel(l));
}

/** True when `host` is `domain` itself or a name under it. */
export function isUnderDomain(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

/**
 * The SPIFFE principal Istio authorization matches for a ServiceAccount.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 */
export function principalOf(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** Kubernetes label value: at most 63 characters, alphanumerics with `-_.` inside, or empty. */
export function isLabelValue(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value);
}

/** Kubernetes label key: optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
export function isLabelKey(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const slash = value.indexOf('/');
  const prefix = slash >= 0 ? value.slice(0, slash) : undefined;
  const name = slash >= 0 ? value.slice(slash + 1) : value;
  if (prefix !== undefined && !isDnsSubdomain(prefix)) return false;
  return name.length > 0 && name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}
