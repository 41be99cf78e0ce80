/** The `flux` section: where Flux finds this environment and how often it reconciles. */
import { isDnsLabel, isDnsSubdomain } from '../../core/names';
import { EnvironmentConfig } from '../environment-config';
import { ResolvedEnvironment } from './types';
import {
  checkNamespaceName,
  collector,
  isGoDuration,
  isRepoPath,
  NOT_A_KUSTOMIZATION_NAME,
  NOT_A_KUSTOMIZATION_PREFIX,
  NOT_A_REPO_PATH,
  Resolved,
} from './validators';

/** Defaults of the `flux` section. */
export const FLUX_DEFAULTS = {
  namespace: 'flux-system',
  sourceName: 'flux-system',
  dependsOn: ['infrastructure'] as readonly string[],
  /** The folder synth writes the environment to. */
  path: (environment: string): string => `./dist/${environment}`,
  kustomizationPrefix: 'mesh',
  interval: '10m',
  /** See `NAMESPACE_SHARD_SIZE` (`src/constructs/layout.ts`). */
  namespacesPerFolder: 25,
} as const;

/**
 * Most `flux.namespacesPerFolder` accepted: a folder of 100 namespaces of the bench's kind (about
 * 17 objects each) already takes kustomize about 4 s to build, on every reconcile.
 */
export const MAX_NAMESPACES_PER_FOLDER = 100;

/** Check the `flux` section and apply its defaults. */
export function resolveFlux(raw: EnvironmentConfig['flux'], context: { readonly name: string }): Resolved<ResolvedEnvironment['flux']> {
  const { problems, bad } = collector();
  const env = context.name;
  const flux = raw ?? {};
  const namespace = flux.namespace ?? FLUX_DEFAULTS.namespace;
  const sourceName = flux.sourceName ?? FLUX_DEFAULTS.sourceName;
  const dependsOn = flux.dependsOn ?? FLUX_DEFAULTS.dependsOn;
  const path = flux.path ?? FLUX_DEFAULTS.path(env);
  const kustomizationPrefix = flux.kustomizationPrefix ?? FLUX_DEFAULTS.kustomizationPrefix;
  const interval = flux.interval ?? FLUX_DEFAULTS.interval;
  const namespacesPerFolder = flux.namespacesPerFolder ?? FLUX_DEFAULTS.namespacesPerFolder;
  checkNamespaceName(bad, 'flux.namespace', namespace, "use the namespace Flux runs in, usually 'flux-system'");
  if (!isDnsSubdomain(sourceName))
    bad('flux.sourceName', sourceName, 'is not a valid object name', "use the name of the GitRepository of this repository, usually 'flux-system'");
  if (!Array.isArray(dependsOn)) {
    bad('flux.dependsOn', dependsOn, 'must be a list of Kustomization names', "e.g. ['infrastructure'], or [] when nothing must come first");
  } else {
    dependsOn.forEach((dependency, i) => {
      if (!isDnsSubdomain(dependency))
        bad(`flux.dependsOn[${i}]`, dependency, NOT_A_KUSTOMIZATION_NAME, 'use the name of a Flux Kustomization in the same namespace');
    });
  }
  if (!isRepoPath(path)) {
    bad('flux.path', path, NOT_A_REPO_PATH, `e.g. ./dist/${env}`);
  } else {
    // Synth writes this environment to dist/<name>/ only: any other folder of dist/ holds another
    // environment's manifests (or the Flux Kustomizations), which this cluster would then apply.
    const segments = path.split('/').filter(seg => seg !== '' && seg !== '.');
    if (segments[0] === 'dist' && !(segments.length === 2 && segments[1] === env)) {
      const other =
        segments[1] === undefined
          ? 'the whole dist/ folder'
          : segments[1] === 'flux'
            ? 'the Flux Kustomizations of every environment (dist/flux/)'
            : `the folder of environment '${segments[1]}'${segments.length > 2 ? ' (or a part of it)' : ''}`;
      bad(
        'flux.path',
        path,
        `points at ${other}, not at dist/${env}/ where this environment is written: the cluster would apply other manifests`,
        `remove flux.path (default ./dist/${env}), or set it to ./dist/${env}`,
      );
    }
  }
  if (!isDnsLabel(kustomizationPrefix, 40))
    bad('flux.kustomizationPrefix', kustomizationPrefix, NOT_A_KUSTOMIZATION_PREFIX, "use a short name such as 'mesh'");
  if (!isGoDuration(interval)) bad('flux.interval', interval, 'is not a duration', "use a Go duration such as '10m' or '1h'");
  if (!Number.isInteger(namespacesPerFolder) || namespacesPerFolder < 1 || namespacesPerFolder > MAX_NAMESPACES_PER_FOLDER)
    bad(
      'flux.namespacesPerFolder',
      namespacesPerFolder,
      `must be an integer from 1 to ${MAX_NAMESPACES_PER_FOLDER}`,
      `remove it (${FLUX_DEFAULTS.namespacesPerFolder}), or set a smaller number when the namespaces hold many objects each`,
    );

  return {
    problems,
    value: {
      namespace,
      sourceName,
      dependsOn: Array.isArray(dependsOn) ? [...dependsOn] : [],
      path,
      kustomizationPrefix,
      interval,
      namespacesPerFolder,
    },
  };
}
