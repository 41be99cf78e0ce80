import { MeshRule, Severity } from './types';
import { describe, groupOf } from './util';

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
