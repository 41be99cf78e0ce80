/**
 * `npm run import [-- --mirror <folder>]`: regenerate `imports/` and `crd-schemas/` from the CRDs
 * pinned in cdk8s.yaml.
 *
 * Without `--mirror` every URL is downloaded; with it, each source is read from the mirror folder.
 * Every file is checked against crds.lock.yaml before anything is generated. `imports/` holds the
 * classes `cdk8s import` generates; `crd-schemas/` what the schema check needs, one JSON file per
 * source (see `extractKinds` in src/checks/schema.ts). Both are committed. The verified CRD files are
 * also kept in `.crds/` (ignored by git) for `npm run verify`, whose API server needs them whole.
 * Both folders are replaced only when every source imported cleanly.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { CRD_SCHEMAS_FOLDER, CRD_SCHEMAS_FORMAT, ExtractedSchemasFile, extractKinds } from '../src/checks/schema';
import { CrdSource, PROJECT_ROOT, readCrdSources, readFromMirror, sha256 } from './crd-sources';
import { describeFetchError } from './fetch-error';
import { linearFilters } from './linear-filters';

async function download(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (e) {
    throw new Error(describeFetchError(url, e), { cause: e });
  }
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.text();
}

async function readFromUpstream(source: CrdSource): Promise<string> {
  const parts: string[] = [];
  for (const url of source.urls) {
    const text = await download(url);
    const actual = sha256(text);
    if (actual !== source.fileSha256[url]) {
      throw new Error(
        `CRD source '${source.name}': ${url} has sha256 ${actual}, expected ${source.fileSha256[url]}; fix: check the pinned tag, or import from a verified mirror with --mirror`,
      );
    }
    parts.push(text.startsWith('---') ? text : `---\n${text}`);
  }
  return parts.join('\n');
}

/**
 * The schema file of one source: its kinds, and where they come from. Only pinned values go into
 * `about` (no date, no mirror path), so a download and a mirror give the same bytes.
 */
export function schemasFile(source: CrdSource, text: string): string {
  const file: ExtractedSchemasFile = {
    about: {
      generatedBy: 'npm run import (scripts/import.ts); do not edit',
      license: source.license,
      name: source.name,
      notice:
        `Extracted from the CustomResourceDefinitions at the URLs below (${source.version}), licensed under the Apache License, Version 2.0 ` +
        '(https://www.apache.org/licenses/LICENSE-2.0; see the LICENSE file of each upstream repository). Changed: per CRD version only group, ' +
        'version, kind, plural, scope, served and the openAPIV3Schema are kept, the schema without descriptions, formats, examples and ' +
        'x-kubernetes- keys other than x-kubernetes-int-or-string and x-kubernetes-preserve-unknown-fields.',
      sha256: source.sha256,
      urls: source.urls.map(url => ({ sha256: source.fileSha256[url], url })),
      version: source.version,
    },
    format: CRD_SCHEMAS_FORMAT,
    kinds: extractKinds(text),
  };
  if (Object.keys(file.kinds).length === 0) throw new Error(`CRD source '${source.name}' holds no CustomResourceDefinition`);
  return `${JSON.stringify(file, null, 1)}\n`;
}

async function main(): Promise<void> {
  const program = new Command('import')
    .description('regenerate imports/ from the CRDs pinned in cdk8s.yaml')
    .option('--mirror <dir>', 'read each source from this folder instead of its upstream URL')
    .parse();
  const opts = program.opts<{ mirror?: string }>();
  const mirror = opts.mirror ? path.resolve(opts.mirror) : undefined;

  const sources = readCrdSources();
  const texts = new Map<CrdSource, string>();
  const errors: string[] = [];
  for (const source of sources) {
    try {
      texts.set(source, mirror ? readFromMirror(source, mirror) : await readFromUpstream(source));
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  if (errors.length > 0) {
    throw new Error(`import failed; imports/ and ${CRD_SCHEMAS_FOLDER}/ are unchanged:\n  ${errors.join('\n  ')}`);
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'eks-istio-mesh-import-'));
  try {
    const outdir = path.join(work, 'imports');
    const cdk8s = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk8s');
    for (const [source, text] of texts) {
      const file = path.join(work, `${source.name}.yaml`);
      fs.writeFileSync(file, text);
      execFileSync(cdk8s, ['import', `${source.name}:=${file}`, '--language', 'typescript', '--output', outdir, '--no-check-upgrade'], {
        cwd: work,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    }
    for (const name of fs.readdirSync(outdir)) {
      const file = path.join(outdir, name);
      fs.writeFileSync(file, withLinearFilters(fs.readFileSync(file, 'utf8'), `imports/${name}`));
    }
    const schemasDir = path.join(work, CRD_SCHEMAS_FOLDER);
    fs.mkdirSync(schemasDir);
    for (const [source, text] of texts) fs.writeFileSync(path.join(schemasDir, `${source.name}.json`), schemasFile(source, text));
    replaceDir(outdir, path.join(PROJECT_ROOT, 'imports'));
    replaceDir(schemasDir, path.join(PROJECT_ROOT, CRD_SCHEMAS_FOLDER));

    const cache = path.join(PROJECT_ROOT, '.crds');
    fs.mkdirSync(cache, { recursive: true });
    for (const [source, text] of texts) fs.writeFileSync(path.join(cache, source.mirrorFile), text);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const files = fs.readdirSync(path.join(PROJECT_ROOT, 'imports')).sort();
  console.log(
    `imports/: ${files.length} files, ${CRD_SCHEMAS_FOLDER}/: ${sources.length} files, from ${sources.length} sources${mirror ? ` (mirror ${mirror})` : ''}`,
  );
}

/**
 * The generated file with every "drop the undefined values" step made one loop
 * (scripts/linear-filters.js). A file that still holds such a `reduce` afterwards means the
 * generator writes it another way now: the import fails rather than keep it.
 */
export function withLinearFilters(text: string, file: string): string {
  const result = linearFilters(text, { helper: 'mapDefined', language: 'ts' });
  if (result.left) throw new Error(`${file}: a generated reduce((r, i) ...) is not in the form withLinearFilters replaces; fix: extend it`);
  return result.text;
}

/** Swap a freshly generated folder into place so a failure never leaves a half-written one. */
function replaceDir(fresh: string, target: string): void {
  const staged = `${target}.new`;
  const old = `${target}.old`;
  fs.rmSync(staged, { recursive: true, force: true });
  fs.rmSync(old, { recursive: true, force: true });
  fs.cpSync(fresh, staged, { recursive: true });
  if (fs.existsSync(target)) fs.renameSync(target, old);
  fs.renameSync(staged, target);
  fs.rmSync(old, { recursive: true, force: true });
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
}
