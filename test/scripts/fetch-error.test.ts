import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeFetchError } from '../../scripts/fetch-error';

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise(resolve => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('npm run import without the network', () => {
  it('names the URL, the cause code and the --mirror way out instead of a bare "fetch failed"', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/crds.yaml`;
    const error = await fetch(url).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe('fetch failed');
    expect(describeFetchError(url, error)).toBe(
      `GET ${url} failed (ECONNREFUSED: the connection was refused). fix: check the network, or import from a folder holding the pinned files with \`npm run import -- --mirror <folder>\``,
    );
  });

  it('explains a host name that does not resolve', () => {
    const error = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND github.com'), { code: 'ENOTFOUND' }),
    });
    expect(describeFetchError('https://github.com/x.yaml', error)).toMatch(
      /^GET https:\/\/github\.com\/x\.yaml failed \(ENOTFOUND: the host name does not resolve \(offline, or no DNS\)\)\. fix: .*--mirror <folder>/,
    );
  });
});
