/**
 * Stage 1: every object, server-side applied with dry-run to a real API server that has the
 * pinned CRDs installed. The server runs its full validation: the CRDs' structural schemas and CEL
 * rules (`x-kubernetes-validations`), core validation of built-in kinds (label syntax,
 * NetworkPolicy fields, ...), strict field validation (unknown fields are errors), and admission
 * that needs no controller (the namespace must exist).
 */
import { ControlPlane } from './apiserver';
import { Crd } from './crds';
import { describe, FileObject, Finding, groupOf } from './manifests';

const FIELD_MANAGER = 'eks-istio-mesh-verify';
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** How the API server serves one kind. */
interface Resource {
  readonly plural: string;
  readonly namespaced: boolean;
}

/**
 * Create every CRD and wait until each is established and served.
 *
 * Throws with the server's message for a CRD it refuses.
 */
export async function installCrds(plane: ControlPlane, crds: readonly Crd[], timeoutMs = 60_000): Promise<void> {
  const refused: string[] = [];
  for (const crd of crds) {
    const res = await plane.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions?fieldValidation=Strict', crd);
    if (res.status !== 201 && res.status !== 409) refused.push(`${crd.metadata.name}: HTTP ${res.status}: ${res.json?.message ?? res.body}`);
  }
  if (refused.length > 0) throw new Error(`the API server refused ${refused.length} pinned CRD(s):\n    ${refused.join('\n    ')}`);
  const deadline = Date.now() + timeoutMs;
  let waiting = [...crds];
  while (waiting.length > 0) {
    const still: Crd[] = [];
    for (const crd of waiting) {
      const res = await plane.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
      const conditions = (res.json?.status?.conditions ?? []) as Array<{ type: string; status: string }>;
      if (!conditions.some(c => c.type === 'Established' && c.status === 'True')) still.push(crd);
    }
    waiting = still;
    if (waiting.length === 0) break;
    if (Date.now() > deadline) throw new Error(`CRDs not established within ${timeoutMs / 1000}s: ${waiting.map(c => c.metadata.name).join(', ')}`);
    await sleep(250);
  }
}

/** Kinds the server serves, by `apiVersion`, looked up once per group-version. */
class Discovery {
  private readonly byGroupVersion = new Map<string, Map<string, Resource> | undefined>();

  constructor(private readonly plane: ControlPlane) {}

  /** @returns how the server serves this kind, or undefined when it does not */
  public async resource(apiVersion: string, kind: string): Promise<Resource | undefined> {
    if (!this.byGroupVersion.has(apiVersion)) {
      const url = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const res = await this.plane.request('GET', url);
      if (res.status !== 200) {
        this.byGroupVersion.set(apiVersion, undefined);
      } else {
        const kinds = new Map<string, Resource>();
        for (const r of (res.json?.resources ?? []) as Array<{ name: string; kind: string; namespaced: boolean }>) {
          if (!r.name.includes('/')) kinds.set(r.kind, { plural: r.name, namespaced: r.namespaced });
        }
        this.byGroupVersion.set(apiVersion, kinds);
      }
    }
    return this.byGroupVersion.get(apiVersion)?.get(kind);
  }
}

/** Namespaces the objects live in, and those they create, sorted. */
export function namespacesNeeded(objects: readonly FileObject[], namespaced: (o: FileObject) => boolean): string[] {
  const names = new Set<string>();
  for (const o of objects) {
    if (o.object.kind === 'Namespace' && groupOf(o.object.apiVersion) === '') names.add(o.object.metadata.name!);
    else if (namespaced(o)) names.add(o.object.metadata.namespace ?? 'default');
  }
  return [...names].sort();
}

/** Create a namespace unless it exists (dry-run applies cannot create objects inside a namespace that is only dry-run). */
async function ensureNamespace(plane: ControlPlane, name: string): Promise<string | undefined> {
  const res = await plane.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  if (res.status === 201 || res.status === 409) return undefined;
  return `cannot create namespace '${name}': HTTP ${res.status}: ${res.json?.message ?? res.body}`;
}

/** The URL of an object for server-side apply. */
function objectUrl(apiVersion: string, resource: Resource, name: string, namespace: string | undefined): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = resource.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? 'default')}` : '';
  const query = `dryRun=All&fieldManager=${FIELD_MANAGER}&fieldValidation=Strict&force=true`;
  return `${base}${ns}/${resource.plural}/${encodeURIComponent(name)}?${query}`;
}

/**
 * Server-side apply every object with dry-run; the namespaces they need are created first.
 *
 * @returns one finding per object the server refuses or warns about, and per kind it does not serve
 */
export async function applyDryRun(plane: ControlPlane, folder: string, objects: readonly FileObject[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  const discovery = new Discovery(plane);
  const served = new Map<FileObject, Resource>();
  for (const o of objects) {
    const resource = await discovery.resource(o.object.apiVersion, o.object.kind);
    if (resource) {
      served.set(o, resource);
    } else {
      findings.push({
        stage: 'apiserver', folder, file: o.file, object: describe(o.object), level: 'error',
        message: `${o.object.apiVersion} ${o.object.kind} is not served by Kubernetes ${await plane.version()} with the pinned CRDs. fix: use an apiVersion the pinned CRDs or Kubernetes define`,
      });
    }
  }
  for (const ns of namespacesNeeded([...served.keys()], o => served.get(o)!.namespaced)) {
    const problem = await ensureNamespace(plane, ns);
    if (problem) findings.push({ stage: 'apiserver', folder, level: 'error', message: problem });
  }
  for (const [o, resource] of served) {
    const url = objectUrl(o.object.apiVersion, resource, o.object.metadata.name!, o.object.metadata.namespace);
    let res = await plane.request('PATCH', url, o.object, 'application/apply-patch+yaml');
    // A CRD just established may take a moment before its endpoints answer.
    for (let attempt = 0; res.status === 404 && res.json?.details?.name === undefined && attempt < 20; attempt++) {
      await sleep(250);
      res = await plane.request('PATCH', url, o.object, 'application/apply-patch+yaml');
    }
    const base = { stage: 'apiserver' as const, folder, file: o.file, object: describe(o.object) };
    if (res.status !== 200 && res.status !== 201) {
      findings.push({ ...base, level: 'error', message: `HTTP ${res.status}: ${res.json?.message ?? res.body.trim()}` });
    }
    for (const warning of res.warnings) findings.push({ ...base, level: 'warning', message: `server warning: ${warning}` });
  }
  return findings;
}
