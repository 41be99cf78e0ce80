/**
 * The objects of one folder of YAML (a `dist/<env>/`), and the findings the verify stages report
 * about them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as read from YAML. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly labels?: Record<string, unknown>; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** One object and where it came from. */
export interface FileObject {
  /** Path relative to the folder. */
  readonly file: string;
  /** 0-based index of the YAML document in the file. */
  readonly index: number;
  readonly object: KubeObject;
}

/** The stages, in the order they run. */
export type Stage = 'apiserver' | 'istioctl-validate' | 'istioctl-analyze' | 'kubeconform' | 'kustomize' | 'flows' | 'tools';

/** Something a stage found. `level: 'error'` fails the run unless accepted. */
export interface Finding {
  readonly stage: Stage;
  /** The folder checked (e.g. `dist/prod`), relative to the project when inside it. */
  readonly folder: string;
  readonly file?: string;
  /** `Kind namespace/name` (or `Kind name` when cluster-scoped), as {@link describe} writes it. */
  readonly object?: string;
  /** A tool's message code (istioctl's IST0xxx), when it has one. */
  readonly code?: string;
  readonly level: 'error' | 'warning' | 'info';
  readonly message: string;
}

/** File names kustomize reads as the folder's kustomization, never as resources. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/**
 * The YAML files of a folder that hold resources (every `.yaml`/`.yml` but the kustomization),
 * sorted, with those of its stage folders ({@link stageFolders}) as `<subfolder>/<file>`.
 */
export function resourceFiles(folder: string): string[] {
  const own = fs
    .readdirSync(folder)
    .filter(f => /\.ya?ml$/.test(f) && !KUSTOMIZATION_FILES.includes(f))
    .filter(f => fs.statSync(path.join(folder, f)).isFile());
  const nested = stageFolders(folder).flatMap(sub => resourceFiles(path.join(folder, sub)).map(f => `${sub}/${f}`));
  return [...own, ...nested].sort();
}

/**
 * The subfolders of a folder that hold their own kustomization.yaml (`dist/<env>/control-plane`,
 * `config`, `namespaces*`: one Flux Kustomization each), sorted.
 */
export function stageFolders(folder: string): string[] {
  return fs
    .readdirSync(folder, { withFileTypes: true })
    .filter(e => e.isDirectory() && !e.name.startsWith('.') && KUSTOMIZATION_FILES.some(k => fs.existsSync(path.join(folder, e.name, k))))
    .map(e => e.name)
    .sort();
}

/**
 * Read every object of the resource files of a folder.
 *
 * @returns the objects, and a message for each document that is not a Kubernetes object
 */
export function readFolder(folder: string): { objects: FileObject[]; problems: Array<{ file: string; message: string }> } {
  const objects: FileObject[] = [];
  const problems: Array<{ file: string; message: string }> = [];
  for (const file of resourceFiles(folder)) {
    const docs = parseAllDocuments(fs.readFileSync(path.join(folder, file), 'utf8'), { uniqueKeys: true });
    docs.forEach((doc, index) => {
      if (doc.errors.length > 0) {
        problems.push({ file, message: `document ${index + 1} is not valid YAML: ${doc.errors[0].message}` });
        return;
      }
      const value = doc.toJS() as unknown;
      if (value === null || value === undefined) return;
      const problem = notAnObject(value);
      if (problem) problems.push({ file, message: `document ${index + 1} ${problem}` });
      else objects.push({ file, index, object: value as KubeObject });
    });
  }
  return { objects, problems };
}

function notAnObject(value: unknown): string | undefined {
  if (typeof value !== 'object' || Array.isArray(value)) return 'is not a mapping';
  const v = value as Record<string, unknown>;
  if (typeof v.apiVersion !== 'string' || typeof v.kind !== 'string') return 'has no apiVersion or kind';
  const meta = v.metadata as Record<string, unknown> | undefined;
  if (!meta || typeof meta.name !== 'string' || meta.name === '') return `(${v.kind}) has no metadata.name`;
  return undefined;
}

/** API group of an apiVersion (`''` for the core group). */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** `Kind namespace/name`, or `Kind name` without a namespace. */
export function describe(object: { kind?: string; metadata?: { name?: string; namespace?: string } }): string {
  const ns = object.metadata?.namespace;
  return `${object.kind} ${ns ? `${ns}/` : ''}${object.metadata?.name}`;
}

/** `apiVersion kind namespace/name`: what makes two objects the same object to the API server. */
export function identity(object: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } }): string {
  return `${object.apiVersion} ${describe(object)}`;
}

/** A folder path for messages: relative to `base` when inside it. */
export function displayPath(folder: string, base: string = process.cwd()): string {
  const rel = path.relative(base, folder);
  return rel && !rel.startsWith('..') ? rel : folder;
}
