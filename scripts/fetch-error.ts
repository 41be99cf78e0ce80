/**
 * What a failed download says: the URL, why it failed, and how to import without the network.
 */

/** Meanings of the network error codes a download commonly fails with. */
const MEANINGS: Record<string, string> = {
  ENOTFOUND: 'the host name does not resolve (offline, or no DNS)',
  EAI_AGAIN: 'the host name could not be resolved right now (DNS unreachable)',
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  ENETUNREACH: 'the network is unreachable',
  EHOSTUNREACH: 'the host is unreachable',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the server certificate is not trusted here (a proxy that re-signs TLS?)',
};

/** The error `fetch(url)` threw, as one line naming the URL, the cause and the way out. */
export function describeFetchError(url: string, error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  const code = e?.cause?.code;
  const cause = code ? `${code}: ${MEANINGS[code] ?? e.cause?.message ?? 'network error'}` : (e?.cause?.message ?? e?.message ?? String(error));
  return `GET ${url} failed (${cause}). fix: check the network, or import from a folder holding the pinned files with \`npm run import -- --mirror <folder>\``;
}
