#!/usr/bin/env bash
# The package as a platform repository elsewhere gets it: build, pack, install the tarball with the
# pinned cdk8s, constructs, typescript and tsx into a scratch folder outside this repository, write a
# two-environment platform (one ambient team, one sidecar team) with strict compiler options,
# type-check it, synthesize it with the package's command, check the output, and compare with
# expectations. Prints "N passed, N failed"; exits 1 on any failure.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
here="$repo/scripts/consumer"
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
expect() { # expect <name> <command...>: the command exits 0
  local name="$1"; shift
  if "$@" >"$scratch/last.log" 2>&1; then ok "$name"; else fail "$name"; sed 's/^/    /' "$scratch/last.log" | tail -40; fi
}
expect_exit() { # expect_exit <code> <name> <command...>
  local code="$1" name="$2"; shift 2
  set +e; "$@" >"$scratch/last.log" 2>&1; local got=$?; set -e
  if [ "$got" = "$code" ]; then ok "$name"; else fail "$name (exit $got, expected $code)"; sed 's/^/    /' "$scratch/last.log" | tail -40; fi
}
pinned() { node -p "require('$repo/package.json').devDependencies['$1']"; }

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
case "$scratch" in "$repo"/*) echo "scratch folder $scratch is inside the repository" >&2; exit 2 ;; esac

cd "$repo"
npm run build >/dev/null
tarball="$(npm pack --ignore-scripts --silent --pack-destination "$scratch")"
tarball="$scratch/$tarball"

# What the tarball holds: the compiled library, its declarations, the CRD schemas and the docs.
contents="$(tar -tzf "$tarball" | sed 's#^package/##')"
for folder in dist test bench verify charts scripts src imports; do
  if echo "$contents" | grep -q "^$folder/"; then fail "the tarball holds no $folder/"; else ok "the tarball holds no $folder/"; fi
done
sources="$(echo "$contents" | grep -E '\.(ts|mts|cts)$' | grep -vE '\.d\.(ts|mts|cts)$' || true)"
if [ -z "$sources" ]; then ok "the tarball holds no .ts sources other than .d.ts"; else fail "the tarball holds no .ts sources other than .d.ts"; echo "$sources" | head | sed 's/^/    /'; fi
for file in package.json README.md LICENSE CHANGELOG.md lib/src/index.js lib/src/index.d.ts lib/src/cli/bin.js; do
  if echo "$contents" | grep -qx "$file"; then ok "the tarball holds $file"; else fail "the tarball holds $file"; fi
done

# A new platform repository.
app="$scratch/platform"
mkdir -p "$app"
cp "$here/platform.ts" "$here/app-synth.ts" "$here/tsconfig.json" "$here/cdk8s.yaml" "$app/"
cd "$app"
printf '{ "name": "shop-platform", "version": "1.0.0", "private": true }\n' > package.json
expect "npm installs the tarball with the pinned cdk8s, constructs, typescript and tsx" \
  npm install --no-audit --no-fund --save-exact "$tarball" "cdk8s@$(pinned cdk8s)" "constructs@$(pinned constructs)" "typescript@$(pinned typescript)" "tsx@$(pinned tsx)"
expect "the platform type-checks with strict compiler options" npx tsc -p tsconfig.json
# With skipLibCheck off the package's declarations are checked too: none of their lines may fail
# (cdk8s-plus-33's own declarations do not compile under exactOptionalPropertyTypes; not ours).
set +e; npx tsc -p tsconfig.json --skipLibCheck false >"$scratch/libcheck.log" 2>&1; set -e
ours="$(grep -E '^[^ ].*error TS' "$scratch/libcheck.log" | grep -v '^node_modules/cdk8s-plus-33/' || true)"
if [ -z "$ours" ]; then ok "the package's declarations type-check under the same options with skipLibCheck off"; else fail "the package's declarations type-check under the same options with skipLibCheck off"; echo "$ours" | head -20 | sed 's/^/    /'; fi
expect "eks-istio-mesh synth (platform module from cdk8s.yaml) exits 0" npx eks-istio-mesh synth
expect "the output meets the expectations" node "$here/assertions.cjs" synth
sed 's/^/    /' "$scratch/last.log"   # the named assertions, one line each
# The synth keeps its compiled CRD validators, the custom resources that passed them and its YAML
# renderings in node_modules/.cache/eks-istio-mesh/; a second run gives the same output from them.
cache="node_modules/.cache/eks-istio-mesh"
if ls "$cache"/crd-schemas-*/valid/dev.json "$cache"/crd-schemas-*/valid/prod.json "$cache"/crd-schemas-*/index.json "$cache"/yaml-renderings-*.json >/dev/null 2>&1; then
  ok "synth keeps validators, passed objects and renderings in $cache"
else
  fail "synth keeps validators, passed objects and renderings in $cache"; find node_modules/.cache 2>/dev/null | head | sed 's/^/    /'
fi
expect "eks-istio-mesh synth again, from the cache, exits 0" npx eks-istio-mesh synth --outdir dist-cached
if diff -r dist dist-cached >/dev/null; then ok "the synth from the cache writes the same output"; else fail "the synth from the cache writes the same output"; fi
rm -rf "$cache" dist-cached
expect "eks-istio-mesh synth --no-cache exits 0" npx eks-istio-mesh synth --no-cache --outdir dist-uncached
if [ ! -e "$cache" ] && diff -r dist dist-uncached >/dev/null; then ok "synth --no-cache keeps nothing and writes the same output"; else fail "synth --no-cache keeps nothing and writes the same output"; fi
rm -rf dist-uncached
expect "eks-istio-mesh synth with the environments shared among two threads exits 0" env EKS_MESH_SYNTH_THREADS=2 EKS_MESH_SYNTH_WORKERS_FIRST=1 npx eks-istio-mesh synth --outdir dist-threads
if grep -q "of them in other threads" "$scratch/last.log" && diff -r dist dist-threads >/dev/null; then
  ok "other threads synthesized environments, and the output is the same as on one thread"
else
  fail "other threads synthesized environments, and the output is the same as on one thread"; sed 's/^/    /' "$scratch/last.log" | tail -5
fi
rm -rf dist-threads
# diff synthesizes each side with the package's command in a process of its own, from that side's
# files, and hands both this repository's cache.
rm -rf "$cache"
expect "eks-istio-mesh diff --base-dir dist --fail-on all (the working tree against its own output) exits 0" npx eks-istio-mesh diff --base-dir dist --fail-on all
if ls "$cache"/yaml-renderings-*.json >/dev/null 2>&1; then ok "diff's synth keeps its YAML renderings in $cache"; else fail "diff's synth keeps its YAML renderings in $cache"; find node_modules/.cache 2>/dev/null | head | sed 's/^/    /'; fi
printf 'node_modules/\n' > .gitignore
expect "the platform is committed to a new git repository" \
  sh -c 'git init -q && git add -A && git -c user.name=platform -c user.email=platform@example.com commit -q -m platform'
sed -i "s#'10.40.1.0/24'#'10.40.2.0/24'#" platform.ts
expect_exit 1 "eks-istio-mesh diff --base HEAD --fail-on all exits 1 after the prod ALB's source range changed" npx eks-istio-mesh diff --base HEAD --fail-on all
if grep -q '`10.40.1.0/24` -> `10.40.2.0/24`' "$scratch/last.log" && grep -q 'network-opened' "$scratch/last.log" && grep -qx '### dev: no change' "$scratch/last.log"; then
  ok "the diff of HEAD shows the range's change in prod as network-opened, and no change in dev"
else
  fail "the diff of HEAD shows the range's change in prod as network-opened, and no change in dev"; sed 's/^/    /' "$scratch/last.log" | tail -30
fi
git checkout -q platform.ts
expect "eks-istio-mesh diff --base HEAD --fail-on all exits 0 once the change is undone" npx eks-istio-mesh diff --base HEAD --fail-on all
if [ "$(git worktree list --porcelain | grep -c '^worktree ')" = 1 ]; then ok "diff leaves no git worktree behind"; else fail "diff leaves no git worktree behind"; git worktree list | sed 's/^/    /'; fi
expect "eks-istio-mesh check dist/dev dist/prod exits 0" npx eks-istio-mesh check dist/dev dist/prod
expect "eks-istio-mesh check --app platform.ts (with the environments) exits 0" npx eks-istio-mesh check --app platform.ts dist/dev dist/prod
cp -r dist/dev planted
expect "a mistake is planted in a copy" node "$here/assertions.cjs" plant
expect_exit 1 "eks-istio-mesh check on the planted mistake exits 1" npx eks-istio-mesh check planted
if grep -q "injection-labels-exclusive\|no-sidecar-in-ambient" "$scratch/last.log"; then ok "check names the rule the planted mistake breaks"; else fail "check names the rule the planted mistake breaks"; sed 's/^/    /' "$scratch/last.log" | tail -20; fi
expect "eks-istio-mesh plan exits 0" npx eks-istio-mesh plan --out plan.md
expect_exit 2 "eks-istio-mesh verify says it is not available" npx eks-istio-mesh verify
set +e; node --require tsx/cjs app-synth.ts >"$scratch/last.log" 2>&1; code=$?; set -e
if [ "$code" != 0 ] && grep -q "app.synth() would skip its hooks and checks" "$scratch/last.log"; then ok "app.synth() of a profile fails and names what to call instead"; else fail "app.synth() of a profile fails and names what to call instead (exit $code)"; tail -20 "$scratch/last.log" | sed 's/^/    /'; fi
echo "consumer: $passed passed, $failed failed"
[ "$failed" = 0 ]
