/**
 * The verify run: every stage on every folder, all findings collected, then judged against the
 * accepted findings. One loopback control plane serves every folder: applies are dry-run, so no
 * folder leaves anything behind but the namespaces created for it (a folder's objects are checked
 * against the namespaces it needs, which are created anyway).
 */
import * as path from 'node:path';
import { acceptanceFor, Acceptance, readAcceptances } from './accepted';
import { applyDryRun, installCrds } from './apiserver-stage';
import { ControlPlane } from './apiserver';
import { PinnedCrds, readPinnedCrds } from './crds';
import { istioctlAnalyze, istioctlValidate } from './istioctl-stage';
import { kubeconformStage } from './kubeconform-stage';
import { kustomizeStage } from './kustomize-stage';
import { displayPath, Finding, readFolder, resourceFiles, Stage } from './manifests';
import { cachedSchemaDir, schemaCacheKey, writeSchemas } from './schemas';
import { ensureTools, findTools, KUBERNETES_VERSION, toolCacheDir, TOOLS } from '../tools';

/** Options of {@link runVerify}. */
export interface VerifyOptions {
  /** Folders to verify (each like `dist/<env>/`). */
  readonly folders: readonly string[];
  /** Project root: where the CRD folder is looked for. */
  readonly root: string;
  /** @default `<root>/verify/accepted-findings.yaml` */
  readonly acceptedFile?: string;
  /** Build missing tools (else a missing tool is a failure). @default true */
  readonly buildTools?: boolean;
  /** Progress lines. @default console.log */
  readonly log?: (line: string) => void;
}

/** What a run found. */
export interface VerifyReport {
  /** Errors and warnings not accepted: the run fails when there is any. */
  readonly failures: Finding[];
  /** Findings covered by an acceptance. */
  readonly accepted: Array<{ finding: Finding; acceptance: Acceptance }>;
  /** Info-level findings (reported, never failing). */
  readonly infos: Finding[];
  /** Acceptances that matched nothing. */
  readonly unusedAcceptances: Acceptance[];
  /** Seconds per stage, summed over the folders. */
  readonly seconds: Partial<Record<Stage | 'control plane' | 'schemas', number>>;
}

function timer(seconds: VerifyReport['seconds']) {
  return async <T>(name: keyof VerifyReport['seconds'], fn: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    try {
      return await fn();
    } finally {
      seconds[name] = Math.round(((seconds[name] ?? 0) + (Date.now() - start) / 1000) * 10) / 10;
    }
  };
}

/** Run every stage on every folder. Never throws for a finding; every process started is stopped. */
export async function runVerify(options: VerifyOptions): Promise<VerifyReport> {
  const log = options.log ?? console.log;
  const findings: Finding[] = [];
  const seconds: VerifyReport['seconds'] = {};
  const timed = timer(seconds);
  const fail = (stage: Stage, folder: string, message: string) => findings.push({ stage, folder, level: 'error', message });

  const acceptedFile = options.acceptedFile ?? path.join(options.root, 'verify', 'accepted-findings.yaml');
  const { acceptances, problems: acceptanceProblems } = readAcceptances(acceptedFile);
  for (const p of acceptanceProblems) fail('tools', displayPath(acceptedFile), p);

  const tools = options.buildTools === false ? { ...findTools(), problems: [] as string[] } : ensureTools(log);
  const paths = tools.paths;
  if ('missing' in tools) {
    for (const t of tools.missing) fail('tools', '-', `${t.name} ${t.version} is not built (looked in ${toolCacheDir()}). fix: run \`npm run verify:tools\``);
  }
  for (const p of tools.problems) fail('tools', '-', p);
  const missing = (name: string) => !paths[name];

  let crds: PinnedCrds | undefined;
  try {
    crds = readPinnedCrds(options.root);
  } catch (e) {
    fail('apiserver', '-', (e as Error).message);
  }

  let plane: ControlPlane | undefined;
  let schemaDir: string | undefined;
  try {
    if (missing('etcd') || missing('kube-apiserver')) {
      fail('apiserver', '-', 'not run: etcd or kube-apiserver is missing (see the tools problems above)');
    } else if (crds) {
      try {
        plane = await timed('control plane', () => ControlPlane.start({ etcd: paths.etcd, kubeApiserver: paths['kube-apiserver'] }, { log }));
        log(`control plane: kube-apiserver ${await plane.version()} and etcd on ${plane.url}`);
      } catch (e) {
        fail('apiserver', '-', `cannot start the loopback control plane: ${(e as Error).message}`);
      }
    }
    if (plane && crds && !missing('kubeconform')) {
      const key = schemaCacheKey(KUBERNETES_VERSION, crds.digests);
      try {
        const res = await timed('schemas', () => cachedSchemaDir(path.join(path.dirname(toolCacheDir()), 'kubeconform-schemas'), key, dir => writeSchemas(dir, plane!, crds!.crds)));
        schemaDir = res.dir;
        log(`kubeconform schemas: ${displayPath(res.dir)}${res.fromCache ? ' (cached)' : ' (written)'}`);
      } catch (e) {
        fail('kubeconform', '-', `cannot write schemas from the CRDs and the API server's OpenAPI: ${(e as Error).message}`);
      }
    }
    if (plane && crds) {
      try {
        await timed('control plane', () => installCrds(plane!, crds!.crds));
        log(`control plane: ${crds.crds.length} pinned CRDs installed from ${displayPath(crds.dir)}`);
      } catch (e) {
        fail('apiserver', '-', (e as Error).message);
        await plane.stop();
        plane = undefined;
      }
    }

    for (const folderPath of options.folders) {
      const folder = displayPath(folderPath, options.root);
      const { objects, problems } = readFolder(folderPath);
      for (const p of problems) findings.push({ stage: 'kubeconform', folder, file: p.file, level: 'error', message: p.message });
      const files = resourceFiles(folderPath);
      const before = findings.length;
      if (objects.length === 0) fail('kustomize', folder, 'the folder holds no Kubernetes objects (every stage would pass vacuously). fix: point verify at a synthesized dist/<env> folder');
      if (plane) findings.push(...(await timed('apiserver', () => applyDryRun(plane!, folder, objects))));
      if (!missing('istioctl')) {
        findings.push(...(await timed('istioctl-validate', () => istioctlValidate(paths.istioctl, folderPath, folder, files))));
        findings.push(...(await timed('istioctl-analyze', () => istioctlAnalyze(paths.istioctl, folderPath, folder, files))));
      } else {
        fail('istioctl-validate', folder, 'not run: istioctl is missing (see the tools problems above)');
      }
      if (schemaDir) findings.push(...(await timed('kubeconform', () => kubeconformStage(paths.kubeconform, schemaDir!, folderPath, folder, files, objects))));
      else fail('kubeconform', folder, 'not run: no schemas (kubeconform or the control plane is missing, see above)');
      if (!missing('kustomize')) findings.push(...(await timed('kustomize', () => kustomizeStage(paths.kustomize, folderPath, folder, objects))));
      else fail('kustomize', folder, 'not run: kustomize is missing (see the tools problems above)');
      log(`${folder}: ${objects.length} objects in ${files.length} files, ${findings.length - before} finding${findings.length - before === 1 ? '' : 's'}`);
    }
  } finally {
    await plane?.stop();
  }

  const failures: Finding[] = [];
  const accepted: VerifyReport['accepted'] = [];
  const infos: Finding[] = [];
  const used = new Set<Acceptance>();
  for (const f of findings) {
    const acceptance = f.level === 'info' ? undefined : acceptanceFor(f, acceptances);
    if (acceptance) {
      used.add(acceptance);
      accepted.push({ finding: f, acceptance });
    } else if (f.level === 'info') {
      infos.push(f);
    } else {
      failures.push(f);
    }
  }
  return { failures, accepted, infos, unusedAcceptances: acceptances.filter(a => !used.has(a)), seconds };
}

/** One finding as a line: `[folder] stage: file: object: [code] message`. */
export function formatFinding(f: Finding): string {
  const where = [f.file, f.object].filter(Boolean).join(': ');
  const level = f.level === 'error' ? '' : `${f.level}: `;
  return `[${f.folder}] ${f.stage}: ${where ? `${where}: ` : ''}${level}${f.code ? `${f.code} ` : ''}${f.message}`;
}

/** The tools a run uses, as `name version` lines. */
export function toolVersions(): string[] {
  return TOOLS.map(t => `${t.name} ${t.version}`);
}
