/**
 * How an AuthorizationPolicy `paths` entry matches a request path, and whether a set of them covers
 * a VirtualService route prefix.
 *
 * Istio turns each entry into an Envoy string match (`pilot/pkg/security/authz/matcher/string.go`):
 * a lone `*` matches any path, a trailing `*` makes a prefix match (so the entry for everything
 * under v1 is a prefix match on `/v1/` and does not match `/v1` itself), a leading `*` a suffix
 * match, anything else an exact match.
 */

/** True when the policy path `pattern` matches the request path `path`. */
export function policyPathMatches(pattern: string, path: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return path.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return path.endsWith(pattern.slice(1));
  return pattern === path;
}

/**
 * True when `patterns` admit every request a route with URI prefix `prefix` sends: the prefix
 * itself and every path below it (`<prefix>/...`). Only a prefix pattern (or `*`) can admit a whole
 * subtree.
 */
export function coversRoutePrefix(patterns: readonly string[], prefix: string): boolean {
  const below = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const itself = patterns.some(p => policyPathMatches(p, prefix));
  const subtree = patterns.some(p => p === '*' || (p.endsWith('*') && below.startsWith(p.slice(0, -1))));
  return itself && subtree;
}
