import { isLabelKey, isLabelValue } from '../lib/names';
import { MeshRule, Severity } from './types';
import { describe, groupOf } from './util';

export const noSecretData: MeshRule = {
  id: 'no-secret-data',
  severity: Severity.ERROR,
  title: 'no Secret with data in Git',
  why: 'committed Secret data is readable by everyone with access to the repository, forever, since its history keeps it (Kubernetes docs: Good practices for Kubernetes Secrets)',
  fix: 'let cert-manager or an external secret store create the Secret in the cluster',
  check(ctx) {
    return ctx.byKind('Secret', '')
      .filter(s => Object.keys(s.manifest.data ?? {}).length > 0 || Object.keys(s.manifest.stringData ?? {}).length > 0)
      .map(s => ({ object: s, message: `${describe(s)} carries data` }));
  },
};

/** Kinds whose names must be DNS labels (63 characters). */
const DNS_LABEL_KINDS = ['Namespace', 'Service'];

export const nameLength: MeshRule = {
  id: 'name-length',
  severity: Severity.ERROR,
  title: 'object names and labels fit their length limits',
  why: 'the API server refuses names over 63 characters (Namespace, Service) or 253 (others), and label values over 63: Flux stops applying the whole folder (Kubernetes docs: Object Names and IDs; Labels and Selectors)',
  fix: 'shorten the name or label value',
  check(ctx) {
    return ctx.objects.flatMap(o => {
      const findings = [];
      const name = o.manifest.metadata?.name ?? '';
      const limit = DNS_LABEL_KINDS.includes(o.manifest.kind) && groupOf(o) === '' ? 63 : 253;
      if (name.length > limit) findings.push({ object: o, message: `${describe(o)} has a name of ${name.length} characters (limit ${limit})` });
      for (const [k, v] of Object.entries(o.manifest.metadata?.labels ?? {})) {
        if (!isLabelKey(k) || !isLabelValue(v)) findings.push({ object: o, message: `${describe(o)} has an invalid label ${k}: ${v}` });
      }
      return findings;
    });
  },
};

export const uniqueIdentity: MeshRule = {
  id: 'unique-identity',
  severity: Severity.ERROR,
  title: 'no two objects with the same identity',
  why: 'two objects with the same group, kind, namespace and name overwrite each other: one of them is silently lost (kustomize refuses the folder: "may not add resource with an already registered id")',
  fix: 'rename one of them, or remove the duplicate',
  check(ctx) {
    const seen = new Map<string, string>();
    return ctx.objects.flatMap(o => {
      const id = `${groupOf(o)}/${o.manifest.kind}/${o.manifest.metadata?.namespace ?? ''}/${o.manifest.metadata?.name ?? ''}`;
      const first = seen.get(id);
      if (first === undefined) {
        seen.set(id, o.constructPath ?? o.file);
        return [];
      }
      return [{ object: o, message: `${describe(o)} is also defined at ${first}` }];
    });
  },
};
