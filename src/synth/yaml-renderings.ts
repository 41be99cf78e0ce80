/**
 * The YAML emitter's renderings of strings that need quotes, kept between runs.
 *
 * The emitter asks `yaml` for every string that is not plainly safe, once per distinct string and
 * position. In a synth of a small platform those are a hundred or so strings (ports, host
 * wildcards, CEL expressions), and `yaml` renders them while its code is still cold: about 15 ms of
 * a 0.45 s synth. The renderings depend only on `yaml`'s version and the emitter's options, so a
 * file named by both keeps them for the next run.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { version as YAML_VERSION } from 'yaml/package.json';
import { rememberRenderings, renderingsSoFar, YAML_OPTIONS } from '../core/yaml-emitter';
import { writeCacheFile } from '../checks/schema-cache';

/** How the file is written; a change names a new file. */
const FORMAT = 1;
/** At most this many renderings are kept: the newest ones. */
export const KEPT_RENDERINGS = 50_000;

/** The file of the renderings in `cacheDir`, named by `yaml`'s version, the emitter's options and the format. */
export function renderingsFile(cacheDir: string): string {
  const key = createHash('sha256')
    .update(`${FORMAT}\n${YAML_VERSION}\n${JSON.stringify(YAML_OPTIONS)}\n`)
    .digest('hex')
    .slice(0, 32);
  return path.join(cacheDir, `yaml-renderings-${key}.json`);
}

/**
 * Give the emitter the renderings kept in `cacheDir`. A missing or unreadable file only means
 * that `yaml` renders the strings again.
 *
 * @returns how many renderings it took
 */
export function loadRenderings(cacheDir: string): number {
  let kept: unknown;
  try {
    kept = JSON.parse(fs.readFileSync(renderingsFile(cacheDir), 'utf8'));
  } catch {
    return 0;
  }
  if (!Array.isArray(kept)) return 0;
  return rememberRenderings(kept.filter((e): e is [string, string] => Array.isArray(e) && e.length === 2));
}

/**
 * Keep the renderings of this process in `cacheDir` when `yaml` made any that the file did not
 * have, the newest last, at most {@link KEPT_RENDERINGS}. A file that cannot be written only costs
 * time.
 */
export function saveRenderings(cacheDir: string): void {
  const { made, renderings } = renderingsSoFar();
  if (made === 0) return;
  writeCacheFile(renderingsFile(cacheDir), JSON.stringify([...renderings].slice(-KEPT_RENDERINGS)));
}
