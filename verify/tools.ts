/**
 * The external tools the verify stages run, pinned, built with Go from the Go module proxy and
 * cached outside git in `<cache>/<tool>-<version>/<tool>` (default cache
 * `~/.cache/eks-istio-mesh/tools`, override with `EKS_MESH_TOOLS_CACHE`).
 *
 * `tsx verify/tools.ts` builds every missing tool and prints how long each build took.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const VERIFY_DIR = __dirname;
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Kubernetes release the API server and its Go wrapper module pin (`verify/tools/kube/go.mod`). */
export const KUBERNETES_VERSION = 'v1.35.4';
/** etcd release required by that Kubernetes release (`go.etcd.io/etcd/server/v3` in its go.mod). */
export const ETCD_VERSION = 'v3.6.5';
export const KUBECONFORM_VERSION = 'v0.8.0';
/** Newest kustomize release whose go.mod the installed Go (1.26) accepts; v5.8.3 needs Go 1.27. */
export const KUSTOMIZE_VERSION = 'v5.8.2';
/**
 * Module version of `istio.io/istio` that istioctl is built from (`verify/tools/istioctl/go.mod`).
 *
 * The platform pins Istio 1.30.3, but Istio tags are not semantic versions, so the Go module proxy
 * knows a tag only by its pseudo-version, and the module proxy the tools are built from refuses the
 * 1.30.3 commit (`v0.0.0-20260713165634-56df41f63e51`: "This module version is not available").
 * The one `istio.io/istio` version it serves is this: Istio's main branch of 2026-08-27 (1.31 development).
 * Four of its requirements are refused too; the wrapper module replaces them with the nearest
 * served releases (istio.io/api and istio.io/client-go v1.31.1, go-control-plane/envoy v1.39.0,
 * go-control-plane/contrib at its latest commit). So istioctl here is close to, not exactly,
 * Istio 1.30.3: its validation and analyzers are those of 1.31 development.
 */
export const ISTIOCTL_MODULE_VERSION = 'v0.0.0-20260827124520-eed52ebb66ad';

/** How a tool is built. */
type Build =
  | { readonly kind: 'install'; readonly pkg: string; readonly version: string; readonly ldflags?: string }
  | { readonly kind: 'wrapper'; readonly module: string; readonly pkg: string; readonly ldflags?: string }
  /** A program of this repository: its own Go module, keyed by the hash of its sources. */
  | { readonly kind: 'source'; readonly module: string; readonly pkg: string; readonly ldflags?: string };

/** One pinned tool. */
export interface ToolSpec {
  readonly name: string;
  /** Version that keys the cache folder. */
  readonly version: string;
  readonly build: Build;
}

const KUBE_WRAPPER = path.join(VERIFY_DIR, 'tools', 'kube');
const ISTIOCTL_WRAPPER = path.join(VERIFY_DIR, 'tools', 'istioctl');
/** The flows engine (`verify/flows/`): decides the environment's flows with Istio's own code. */
export const FLOWS_ENGINE_MODULE = path.join(VERIFY_DIR, 'flows');

/** istioctl's `version` output names the module version it was built from. */
function istioVersionLdflags(): string {
  const v = 'istio.io/istio/pkg/version';
  return [
    `-X ${v}.buildVersion=${ISTIOCTL_MODULE_VERSION.slice(1)}`,
    `-X ${v}.buildGitRevision=${ISTIOCTL_MODULE_VERSION.split('-').pop()}`,
    `-X ${v}.buildStatus=Clean`,
  ].join(' ');
}

function kubeVersionLdflags(): string {
  const [major, minor] = KUBERNETES_VERSION.slice(1).split('.');
  const v = 'k8s.io/component-base/version';
  return [`-X ${v}.gitVersion=${KUBERNETES_VERSION}`, `-X ${v}.gitMajor=${major}`, `-X ${v}.gitMinor=${minor}`, `-X ${v}.gitTreeState=clean`].join(
    ' ',
  );
}

/** Every tool the verify stages need, in build order (cheapest first). */
export const TOOLS: readonly ToolSpec[] = [
  {
    name: 'kubeconform',
    version: KUBECONFORM_VERSION,
    build: { kind: 'install', pkg: 'github.com/yannh/kubeconform/cmd/kubeconform', version: KUBECONFORM_VERSION },
  },
  {
    name: 'kustomize',
    version: KUSTOMIZE_VERSION,
    build: { kind: 'install', pkg: 'sigs.k8s.io/kustomize/kustomize/v5', version: KUSTOMIZE_VERSION },
  },
  { name: 'etcd', version: ETCD_VERSION, build: { kind: 'wrapper', module: KUBE_WRAPPER, pkg: 'go.etcd.io/etcd/server/v3' } },
  {
    name: 'kube-apiserver',
    version: KUBERNETES_VERSION,
    build: { kind: 'wrapper', module: KUBE_WRAPPER, pkg: 'k8s.io/kubernetes/cmd/kube-apiserver', ldflags: kubeVersionLdflags() },
  },
  {
    name: 'istioctl',
    version: `istio-${ISTIOCTL_MODULE_VERSION}`,
    build: { kind: 'wrapper', module: ISTIOCTL_WRAPPER, pkg: 'istio.io/istio/istioctl/cmd/istioctl', ldflags: istioVersionLdflags() },
  },
  { name: 'flows-engine', version: `istio-${ISTIOCTL_MODULE_VERSION}`, build: { kind: 'source', module: FLOWS_ENGINE_MODULE, pkg: '.' } },
];

/**
 * The files a `source` tool is built from: go.mod, go.sum and every non-test `.go` file of the
 * module folder (tests and testdata do not change the binary), sorted.
 */
export function sourceFiles(module: string): string[] {
  return fs
    .readdirSync(module)
    .filter(f => f === 'go.mod' || f === 'go.sum' || (f.endsWith('.go') && !f.endsWith('_test.go')))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** First 12 hex digits of the sha256 over each source file's name and content. */
export function sourceHash(module: string): string {
  const h = createHash('sha256');
  for (const f of sourceFiles(module)) {
    h.update(`${f}\0`);
    h.update(fs.readFileSync(path.join(module, f)));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 12);
}

/** Root of the tool cache. */
export function toolCacheDir(): string {
  if (process.env.EKS_MESH_TOOLS_CACHE) return path.resolve(process.env.EKS_MESH_TOOLS_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'eks-istio-mesh', 'tools');
}

/**
 * Where a tool's binary lives once built: `<cache>/<tool>-<version>/<tool>`. A tool built from a
 * wrapper module also carries the first 12 hex digits of the sha256 of its go.sum, so changing any
 * dependency (a `replace` line) builds it again.
 */
export function toolPath(tool: ToolSpec): string {
  if (tool.build.kind === 'source') return path.join(toolCacheDir(), `${tool.name}-${sourceHash(tool.build.module)}`, tool.name);
  let key = `${tool.name}-${tool.version}`;
  if (tool.build.kind === 'wrapper') {
    const sum = fs.readFileSync(path.join(tool.build.module, 'go.sum'));
    key += `-${createHash('sha256').update(sum).digest('hex').slice(0, 12)}`;
  }
  return path.join(toolCacheDir(), key, tool.name);
}

/** The Go binary: `GO` if set, else `go` on PATH, else `/usr/local/go/bin/go`. */
export function goBinary(): string | undefined {
  if (process.env.GO) return process.env.GO;
  const onPath = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (onPath.status === 0) return 'go';
  return fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined;
}

/** Result of {@link ensureTools}: every tool's path, or why a tool cannot be had. */
export interface ToolsResult {
  readonly paths: Record<string, string>;
  readonly problems: string[];
  /** Seconds each build took (tools found in the cache are not listed). */
  readonly built: Record<string, number>;
}

/** Tools already in the cache, by name; the missing ones listed separately. */
export function findTools(): { paths: Record<string, string>; missing: ToolSpec[] } {
  const paths: Record<string, string> = {};
  const missing: ToolSpec[] = [];
  for (const tool of TOOLS) {
    const p = toolPath(tool);
    if (fs.existsSync(p)) paths[tool.name] = p;
    else missing.push(tool);
  }
  return { paths, missing };
}

/**
 * Build one tool into a temporary folder beside its cache folder and move it into place, so an
 * interrupted build never leaves a binary that looks complete.
 *
 * @returns undefined when built, else the reason it could not be
 */
function buildTool(go: string, tool: ToolSpec, log: (line: string) => void): string | undefined {
  const target = toolPath(tool);
  const finalDir = path.dirname(target);
  fs.mkdirSync(path.dirname(finalDir), { recursive: true });
  const tmp = fs.mkdtempSync(`${finalDir}.building-`);
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly', GOTOOLCHAIN: 'local' };
  const b = tool.build;
  const ldflags = ['-s -w', b.ldflags ?? ''].join(' ').trim();
  let args: string[];
  let cwd: string;
  if (b.kind === 'install') {
    args = ['install', '-trimpath', `-ldflags=${ldflags}`, `${b.pkg}@${b.version}`];
    cwd = os.tmpdir();
    Object.assign(env, { GOBIN: tmp, GOFLAGS: '' });
  } else {
    args = ['build', '-trimpath', `-ldflags=${ldflags}`, '-o', path.join(tmp, tool.name), b.pkg];
    cwd = b.module;
  }
  log(`  building ${tool.name} ${tool.version}: ${go} ${args.join(' ')}${b.kind !== 'install' ? ` (in ${path.relative(PROJECT_ROOT, cwd)})` : ''}`);
  const res = spawnSync(go, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  // `go install` names the binary after the package's last element that is not a major version.
  const produced = fs.readdirSync(tmp);
  const built = produced.length === 1 ? path.join(tmp, produced[0]) : path.join(tmp, tool.name);
  if (res.status !== 0 || !fs.existsSync(built)) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const output = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n      ');
    const fix = res.error
      ? 'install Go 1.26 (/usr/local/go/bin) or set GO=<path to go>'
      : "the Go module proxy (GOPROXY) must serve every module in go.sum; read Go's message above";
    return `${tool.name} ${tool.version}: \`go ${args.join(' ')}\` failed (${res.error?.message ?? `exit ${res.status}`}). fix: ${fix}${output ? `:\n      ${output}` : ''}`;
  }
  if (built !== path.join(tmp, tool.name)) fs.renameSync(built, path.join(tmp, tool.name));
  fs.rmSync(finalDir, { recursive: true, force: true });
  fs.renameSync(tmp, finalDir);
  return undefined;
}

/**
 * Make sure every pinned tool is in the cache, building the missing ones.
 *
 * A tool that cannot be built is reported with the command and Go's own message; nothing is
 * skipped.
 */
export function ensureTools(log: (line: string) => void = console.log): ToolsResult {
  const { paths, missing } = findTools();
  const problems: string[] = [];
  const built: Record<string, number> = {};
  if (missing.length === 0) return { paths, problems, built };
  const go = goBinary();
  if (!go) {
    problems.push(
      `cannot build ${missing.map(t => t.name).join(', ')}: no Go toolchain (not on PATH, not at /usr/local/go/bin/go). fix: install Go 1.26 or set GO=<path to go>`,
    );
    return { paths, problems, built };
  }
  log(`building ${missing.length} tool${missing.length === 1 ? '' : 's'} into ${toolCacheDir()} (first time only; several minutes each)`);
  for (const tool of missing) {
    const start = Date.now();
    const problem = buildTool(go, tool, log);
    const seconds = Math.round((Date.now() - start) / 100) / 10;
    if (problem) {
      problems.push(problem);
      log(`  ${tool.name}: FAILED after ${seconds}s`);
    } else {
      paths[tool.name] = toolPath(tool);
      built[tool.name] = seconds;
      log(`  ${tool.name} ${tool.version}: built in ${seconds}s`);
    }
  }
  return { paths, problems, built };
}

if (require.main === module) {
  const start = Date.now();
  const result = ensureTools();
  for (const tool of TOOLS) {
    const p = result.paths[tool.name];
    console.log(`${tool.name.padEnd(15)} ${tool.version.padEnd(45)} ${p ?? 'MISSING'}`);
  }
  console.log(`tools: ${Math.round((Date.now() - start) / 1000)}s`);
  if (result.problems.length > 0) {
    console.error(
      `tools failed with ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}:\n  ${result.problems.join('\n  ')}`,
    );
    process.exitCode = 1;
  }
}
