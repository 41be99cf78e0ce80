import { isLabelKey, isLabelValue } from '../../core/names';
import { MeshRule, Severity } from './types';
import { describe, groupOf } from './util';

/** Kinds whose names must be DNS labels (63 characters). */
const DNS_LABEL_KINDS = ['Namespace', 'Service'];

export const nameLength: MeshRule = {
  id: 'name-length',
  severity: Severity.ERROR,
  title: 'object names and labels fit their length limits',
  why: 'the API server refuses names over 63 characters (Namespace, Service) or 253 (others), and label values over 63: Flux stops applying the whole folder (kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go DNS1123LabelMaxLength, DNS1123SubdomainMaxLength, LabelValueMaxLength)',
  fix: 'shorten the name or label value',
  check(ctx) {
    // Label keys and values repeat across objects: each distinct one is checked once.
    const keyOk = new Map<string, boolean>();
    const valueOk = new Map<unknown, boolean>();
    const valid = <T>(memo: Map<T, boolean>, v: T, test: (v: T) => boolean) => {
      let ok = memo.get(v);
      if (ok === undefined) memo.set(v, (ok = test(v)));
      return ok;
    };
    return ctx.objects.flatMap(o => {
      const findings = [];
      const name = o.manifest.metadata?.name ?? '';
      const limit = DNS_LABEL_KINDS.includes(o.manifest.kind) && groupOf(o) === '' ? 63 : 253;
      if (name.length > limit) findings.push({ object: o, message: `${describe(o)} has a name of ${name.length} characters (limit ${limit})` });
      for (const [k, v] of Object.entries(o.manifest.metadata?.labels ?? {})) {
        if (!valid(keyOk, k, isLabelKey) || !valid(valueOk, v, isLabelValue))
          findings.push({ object: o, message: `${describe(o)} has an invalid label ${k}: ${v}` });
      }
      return findings;
    });
  },
};
