/**
 * The model every layer shares: a Kubernetes object as plain JSON, and the readers that name it and
 * read its metadata. Synth produces these objects; the rules, the migration gates, the report and
 * the diff read them.
 */

/** A Kubernetes object as plain JSON. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [key: string]: unknown;
}

/** A Kubernetes object whose fields beyond `metadata` are read without a schema (`spec`, `data`, ...). */
export type KubeObject = Manifest & Record<string, any>;

/** API group of an object (`''` for the core group). */
export function apiGroupOf(o: Manifest): string {
  const v = o.apiVersion ?? '';
  return v.includes('/') ? v.split('/')[0] : '';
}

/** `group/Kind/namespace/name`: what the API server keys an object by. */
export function objectKey(o: Manifest): string {
  return `${apiGroupOf(o)}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

/** `Kind namespace/name`, as reports and messages name an object. */
export function describeObject(o: Manifest): string {
  const m = o.metadata;
  return `${o.kind} ${m.namespace ? `${m.namespace}/` : ''}${m.name ?? '(no name)'}`;
}

const isMapping = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The labels of an object; `{}` when it has none (or they are not a mapping). */
export function labelsOf(o: Manifest): Record<string, string> {
  const labels = o.metadata?.labels;
  return isMapping(labels) ? labels : {};
}

/** The annotations of an object; `{}` when it has none (or they are not a mapping). */
export function annotationsOf(o: Manifest): Record<string, string> {
  const annotations = o.metadata?.annotations;
  return isMapping(annotations) ? annotations : {};
}

/** The namespace of an object as the API server stores a namespaced one: `default` when none is set. */
export function namespaceOf(o: Manifest): string {
  const ns = o.metadata?.namespace;
  return typeof ns === 'string' && ns ? ns : 'default';
}
