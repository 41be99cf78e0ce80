import { RuleFinding, LocatedManifest, MeshRule, Severity } from './types';
import { describe, groupOf } from './util';

/** True when the two objects are provably applied together: one file, one kustomize build, or one synth. */
const appliedTogether = (a: LocatedManifest, b: LocatedManifest) =>
  a.file === b.file || (a.build !== undefined && a.build === b.build) || (a.constructPath !== undefined && b.constructPath !== undefined);

export const uniqueIdentity: MeshRule = {
  id: 'unique-identity',
  severity: Severity.ERROR,
  title: 'no two objects with the same identity',
  why: 'two objects with the same group, kind, namespace and name overwrite each other: one of them is silently lost (kustomize refuses the folder: "may not add resource with an already registered id", kubernetes-sigs/kustomize api/resmap/reswrangler.go Append)',
  fix: 'rename one of them, or remove the duplicate',
  warnsWhen: 'the two objects are in different files that no kustomization.yaml builds together (they may be alternatives, as in sample folders)',
  check(ctx) {
    const seen = new Map<string, LocatedManifest>();
    return ctx.objects.flatMap((o): RuleFinding[] => {
      const id = `${groupOf(o)}/${o.manifest.kind}/${o.manifest.metadata?.namespace ?? ''}/${o.manifest.metadata?.name ?? ''}`;
      const first = seen.get(id);
      if (first === undefined) {
        seen.set(id, o);
        return [];
      }
      const where = first.constructPath ?? first.file;
      if (appliedTogether(first, o)) return [{ object: o, message: `${describe(o)} is also defined at ${where}` }];
      return [
        {
          object: o,
          severity: Severity.WARNING,
          message: `${describe(o)} is also defined in ${where}; applied together, one of them is lost`,
          fix: 'if the files are alternatives, list the ones applied together in a kustomization.yaml; else rename or remove one',
        },
      ];
    });
  },
};
