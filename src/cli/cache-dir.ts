/**
 * The cache folder of the package's `synth` command in a platform repository.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The folder of the synth's cache inside a repository: `node_modules/.cache/<this>`. */
export const CACHE_FOLDER = path.join('node_modules', '.cache', 'eks-istio-mesh');

/**
 * Where the synth keeps what it can reuse in the next run (compiled CRD validators, the custom
 * resources that passed them, YAML renderings of quoted strings): `--cache-dir`, else
 * {@link CACHE_FOLDER} of the nearest folder from `cwd` up that has a `package.json`, when that
 * folder has `node_modules`; none with `--no-cache`. Deleting it is always safe.
 */
export function cacheDirOf(cwd: string, opts: { readonly cache?: boolean; readonly cacheDir?: string }): string | undefined {
  if (opts.cache === false) return undefined;
  if (opts.cacheDir !== undefined) return path.resolve(cwd, opts.cacheDir);
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      return isFolder(path.join(dir, 'node_modules')) ? path.join(dir, CACHE_FOLDER) : undefined;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
