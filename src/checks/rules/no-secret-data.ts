import { MeshRule, Severity } from './types';
import { describe } from './util';

export const noSecretData: MeshRule = {
  id: 'no-secret-data',
  severity: Severity.ERROR,
  title: 'no Secret with data in Git',
  why: 'committed Secret data is readable by everyone with access to the repository, forever, since its history keeps it (https://kubernetes.io/docs/concepts/security/secrets-good-practices/)',
  fix: 'let cert-manager or an external secret store create the Secret in the cluster',
  check(ctx) {
    return ctx
      .byKind('Secret', '')
      .filter(s => Object.keys(s.manifest.data ?? {}).length > 0 || Object.keys(s.manifest.stringData ?? {}).length > 0)
      .map(s => ({ object: s, message: `${describe(s)} carries data` }));
  },
};
