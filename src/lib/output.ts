/**
 * Write synthesized environments to disk, all or nothing per run.
 *
 * Files are first written to a staging folder beside the output folder; then each environment
 * folder is swapped in with a rename, so an environment folder is never half-written and stale
 * files disappear with the folder they were in.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GENERATED_HEADER, SynthesizedEnvironment } from './synth';

/** Options of {@link writeEnvironments}. */
export interface WriteOptions {
  /**
   * Remove generated environment folders of environments that no longer exist.
   *
   * @default false
   */
  readonly pruneOtherEnvironments?: boolean;
}

/**
 * Write each environment to `<outdir>/<env>/`.
 *
 * @returns the paths written, relative to `outdir`, sorted
 */
export function writeEnvironments(outdir: string, envs: readonly SynthesizedEnvironment[], options: WriteOptions = {}): string[] {
  const root = path.resolve(outdir);
  const staging = path.join(path.dirname(root), `.dist-staging-${process.pid}`);
  const written: string[] = [];
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    for (const { env, files } of envs) {
      const dir = path.join(staging, env.name);
      fs.mkdirSync(dir, { recursive: true });
      for (const file of files) {
        fs.writeFileSync(path.join(dir, file.name), file.content);
        written.push(`${env.name}/${file.name}`);
      }
    }
    fs.mkdirSync(root, { recursive: true });
    for (const { env } of envs) {
      const target = path.join(root, env.name);
      const old = path.join(staging, `${env.name}.old`);
      if (fs.existsSync(target)) fs.renameSync(target, old);
      fs.renameSync(path.join(staging, env.name), target);
    }
    if (options.pruneOtherEnvironments) {
      const keep = new Set(envs.map(e => e.env.name));
      for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
        if (entry.isDirectory() && !keep.has(entry.name) && isGeneratedEnvironment(path.join(root, entry.name))) {
          fs.rmSync(path.join(root, entry.name), { recursive: true, force: true });
        }
      }
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return written.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** True for a folder this library wrote (its kustomization.yaml carries the generated header). */
function isGeneratedEnvironment(dir: string): boolean {
  const file = path.join(dir, 'kustomization.yaml');
  return fs.existsSync(file) && fs.readFileSync(file, 'utf8').startsWith(GENERATED_HEADER);
}
