/**
 * The pinned CRD sources named in `cdk8s.yaml` and their digests in `crds.lock.yaml`.
 *
 * Shared by `npm run import` (which regenerates `imports/`) and by the schema check (which
 * validates emitted custom resources against the same CRDs).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** One import source: the upstream files joined in order, imported under one name. */
export interface CrdSource {
  readonly name: string;
  readonly urls: readonly string[];
  /** File name of this source in a mirror folder. */
  readonly mirrorFile: string;
  /** sha256 of the mirror file. */
  readonly sha256: string;
  /** sha256 of each upstream file, by URL. */
  readonly fileSha256: Readonly<Record<string, string>>;
  /** The upstream release (or releases) the URLs point at. */
  readonly version: string;
  /** SPDX identifier of the upstream licence. */
  readonly license: string;
}

/** Read the sources from `cdk8s.yaml` and their digests from `crds.lock.yaml`. */
export function readCrdSources(root: string = PROJECT_ROOT): CrdSource[] {
  const config = parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8')) as { imports?: string[] };
  const lock = parse(fs.readFileSync(path.join(root, 'crds.lock.yaml'), 'utf8')) as {
    sources: Record<string, { mirror: string; sha256: string; files?: Record<string, string>; version?: string; license?: string }>;
  };
  const byName = new Map<string, string[]>();
  for (const entry of config.imports ?? []) {
    const sep = entry.indexOf(':=');
    if (sep < 1) throw new Error(`cdk8s.yaml: import '${entry}' must have the form NAME:=URL`);
    const name = entry.slice(0, sep);
    byName.set(name, [...(byName.get(name) ?? []), entry.slice(sep + 2)]);
  }
  const sources: CrdSource[] = [];
  for (const [name, urls] of byName) {
    const locked = lock.sources[name];
    if (!locked) throw new Error(`crds.lock.yaml: no entry for import source '${name}' named in cdk8s.yaml`);
    const fileSha256 = urls.length === 1 ? { [urls[0]]: locked.sha256 } : (locked.files ?? {});
    for (const url of urls) {
      if (!fileSha256[url]) throw new Error(`crds.lock.yaml: source '${name}' has no sha256 for ${url}`);
    }
    if (!locked.version || !locked.license) throw new Error(`crds.lock.yaml: source '${name}' needs a version and a license`);
    sources.push({
      name,
      urls,
      mirrorFile: locked.mirror,
      sha256: locked.sha256,
      fileSha256,
      version: String(locked.version),
      license: locked.license,
    });
  }
  return sources;
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Read one source from a mirror folder and check its digest.
 *
 * @returns the file's text, or throws naming the file, the expected and the actual digest
 */
export function readFromMirror(source: CrdSource, mirrorDir: string): string {
  const file = path.join(mirrorDir, source.mirrorFile);
  if (!fs.existsSync(file)) {
    throw new Error(`CRD source '${source.name}': ${file} does not exist; fix: point --mirror at a folder holding ${source.mirrorFile}`);
  }
  const data = fs.readFileSync(file);
  const actual = sha256(data);
  if (actual !== source.sha256) {
    throw new Error(
      `CRD source '${source.name}': ${file} has sha256 ${actual}, expected ${source.sha256}; fix: restore the pinned file (see crds.lock.yaml)`,
    );
  }
  return data.toString('utf8');
}
