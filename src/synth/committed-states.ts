/**
 * The namespace states committed in a synthesized folder: what the migration gate compares a new
 * synthesis with.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { KubeObject } from '../core/manifest';
import { readEmittedDocument } from '../core/yaml-reader';
import { NamespaceState, statesFromObjects } from '../checks/migration/state';

/** A document's top-level `kind:` line naming one of the kinds the states are read from. */
const STATE_KIND = /^kind:[ \t]*(["']?)(Namespace|PeerAuthentication)\1[ \t]*$/m;

/** The `.yaml`/`.yml` files under a folder, at any depth, sorted by path. */
function yamlFilesUnder(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap(e => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return e.name.startsWith('.') ? [] : yamlFilesUnder(p);
      return e.isFile() && /\.ya?ml$/.test(e.name) ? [p] : [];
    });
}

/**
 * The states committed in a synthesized environment folder (`dist/<env>/`), read from the files at
 * any depth: the stage folders of the current layout and the flat files of the layout before it.
 * Only the documents whose top-level kind is Namespace or PeerAuthentication are parsed.
 *
 * @returns undefined when the folder does not exist
 */
export function readCommittedStates(envDir: string): Map<string, NamespaceState> | undefined {
  if (!fs.existsSync(envDir) || !fs.statSync(envDir).isDirectory()) return undefined;
  const objects: KubeObject[] = [];
  for (const file of yamlFilesUnder(envDir)) {
    for (const doc of fs.readFileSync(file, 'utf8').split(/^---[ \t]*$/m)) {
      if (!STATE_KIND.test(doc)) continue;
      try {
        // Most documents are as the synth wrote them: read those directly, the rest with yaml.
        const o = (readEmittedDocument(doc) ?? parse(doc)) as KubeObject | null;
        if (o && typeof o === 'object' && o.metadata) objects.push(o);
      } catch {
        // not an object the synth wrote; the states are read from the ones it did
      }
    }
  }
  return statesFromObjects(objects);
}

/**
 * The committed states of each environment, read from `<committedDir>/<env>/` on first use.
 *
 * @returns a reader for {@link SynthOptions.previousStates}
 */
export function committedStatesIn(committedDir: string): (environment: string) => Map<string, NamespaceState> | undefined {
  return environment => readCommittedStates(path.join(committedDir, environment));
}
