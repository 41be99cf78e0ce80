// `node scripts/run.js <entry.ts> [args...]`: run a TypeScript entry point of this repository as
// precompiled JavaScript. The entry and everything it imports (node_modules included) are bundled
// once by esbuild into node_modules/.cache/eks-istio-mesh/run/, with a V8 code cache beside the
// bundle, and run from there; the bundle is rebuilt when any file it was built from changes (size
// or modification time), and so is the code cache when V8 refuses it. Loading the bundle costs a
// fraction of compiling the TypeScript on every start (see the README's Benchmarks).
//
// When the entry cannot be bundled (a syntax error in a configuration file, a missing import) or
// esbuild is not installed, the entry runs through tsx instead, exactly as before, so that the
// error is reported the way charts/load.ts reports it. EKS_MESH_NO_BUNDLE=1 always takes that path;
// EKS_MESH_RUN_CACHE moves the cache folder.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');
const { isMainThread, threadId } = require('node:worker_threads');
const { linearFilters } = require('./linear-filters');

/**
 * How much V8 lets the heap grow past what survived each full collection (percent): the value and
 * the reason are those of src/core/heap.ts, for the package's bin. A flag given on the command line
 * or in NODE_OPTIONS wins.
 */
const HEAP_GROWING_PERCENT = 15;

const ROOT = path.resolve(__dirname, '..');
const CACHE = process.env.EKS_MESH_RUN_CACHE
  ? path.resolve(process.env.EKS_MESH_RUN_CACHE)
  : path.join(ROOT, 'node_modules', '.cache', 'eks-istio-mesh', 'run');
/** Files besides the bundle's inputs whose change invalidates it. */
const ALSO_DEPENDS_ON = [__filename, path.join(__dirname, 'linear-filters.js'), path.join(ROOT, 'tsconfig.json'), path.join(ROOT, 'package-lock.json')];

/** Packages the bundle leaves to node's require: only needed on a path most runs do not take. */
const LOADED_ON_DEMAND = ['ajv', 'ajv/*'];

function usage() {
  process.stderr.write('usage: node scripts/run.js <entry.ts> [args...]\n');
  process.exit(2);
}

/** `[path, size, mtime]` of a file, or null when it is gone. */
function stamp(file) {
  try {
    const s = fs.statSync(file);
    return [file, s.size, s.mtimeMs];
  } catch {
    return null;
  }
}

function sameStamps(recorded) {
  return Array.isArray(recorded) && recorded.every(r => Array.isArray(r) && JSON.stringify(stamp(r[0])) === JSON.stringify(r));
}

function writeAtomically(file, data) {
  const tmp = `${file}.${process.pid}.${threadId}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/**
 * The Kubernetes classes cdk8s-plus ships, generated as imports/ is: their undefined-value filters
 * are made linear as `npm run import` makes those of imports/ (scripts/linear-filters.js): the
 * same objects, without a copy of each one per key. A filter written another way is left as it is.
 */
const GENERATED_MODULE = /[\\/]node_modules[\\/]cdk8s-plus-\d+[\\/]lib[\\/]imports[\\/][^\\/]+\.js$/;

/**
 * Each module's text as the bundle gets it. esbuild puts every module into one scope or one
 * wrapper function: each file that reads `__dirname` or `__filename` gets its own values, those of
 * its source file; and the generated modules above get linear filters.
 */
const moduleText = {
  name: 'module-text',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, args => {
      let text = fs.readFileSync(args.path, 'utf8');
      const loader = /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js';
      if (GENERATED_MODULE.test(args.path)) text = linearFilters(text, { helper: '__mapDefined', language: 'js' }).text;
      if (!/\b__(dirname|filename)\b/.test(text)) return { contents: text, loader };
      const head = `var __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)};`;
      // Kept on the first line so that line numbers (and the source map) stay those of the file.
      return { contents: text.startsWith('#!') ? text.replace(/^#![^\n]*/, head) : `${head}${text}`, loader };
    });
  },
};

/** Bundle `entry` into `bundle`; false when it cannot be bundled. */
async function build(esbuild, entry, bundle, stampFile) {
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      outfile: bundle,
      absWorkingDir: ROOT,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: `node${process.versions.node.split('.')[0]}`,
      sourcemap: 'linked',
      // Whitespace and syntax only, and every function and class keeps its name even where two
      // modules use the same one: messages name profile classes, stack traces name functions.
      minifyWhitespace: true,
      minifySyntax: true,
      keepNames: true,
      // Loaded only to compile a CRD validator the cache does not have.
      external: LOADED_ON_DEMAND,
      metafile: true,
      write: false,
      logLevel: 'silent',
      plugins: [moduleText],
    });
  } catch {
    return false;
  }
  fs.mkdirSync(path.dirname(bundle), { recursive: true });
  for (const out of result.outputFiles) writeAtomically(out.path, out.contents);
  const inputs = Object.keys(result.metafile.inputs).map(f => path.resolve(ROOT, f));
  const stamps = [...inputs, ...ALSO_DEPENDS_ON].map(stamp);
  writeAtomically(stampFile, JSON.stringify({ entry, esbuild: esbuild.version, node: process.version, stamps }));
  fs.rmSync(`${bundle}.v8`, { force: true });
  return true;
}

/** What `node --require tsx/cjs <entry>` does: the entry loaded as the main module. */
function viaTsx(entry) {
  require('tsx/cjs');
  Module._load(entry, null, true);
}

/** Run the bundle as the main module, with V8's code cache kept beside it. */
function runBundle(entry, bundle) {
  const codeCacheFile = `${bundle}.v8`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(codeCacheFile);
  } catch {
    cachedData = undefined;
  }
  // The wrapper of a CommonJS module, on a line of its own, so that stack traces give the bundle's
  // own lines and columns, which its source map translates.
  const source = `(function (exports, require, module, __filename, __dirname) {\n${fs.readFileSync(bundle, 'utf8')}\n})`;
  const script = new vm.Script(source, { filename: bundle, cachedData, lineOffset: -1 });
  if (isMainThread && (!cachedData || script.cachedDataRejected)) {
    // Made at exit, so that it holds every function the run compiled, not only the top level.
    process.once('exit', () => {
      try {
        writeAtomically(codeCacheFile, script.createCachedData());
      } catch {
        // A code cache that cannot be written only costs time.
      }
    });
  }
  const main = new Module(entry, null);
  main.filename = entry;
  main.paths = Module._nodeModulePaths(path.dirname(entry));
  main.loaded = true;
  process.mainModule = main;
  const requireFromEntry = Module.createRequire(entry);
  requireFromEntry.main = main;
  script.runInThisContext()(main.exports, requireFromEntry, main, bundle, path.dirname(bundle));
}

function limitHeapGrowth() {
  const given = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (isMainThread && !/--heap[-_]growing[-_]percent/.test(given)) require('node:v8').setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

async function run(argv) {
  const [entryArg, ...args] = argv;
  if (!entryArg) usage();
  const entry = path.resolve(entryArg);
  // How to start this program again in a worker thread (src/core/parallel.ts): the synth shares
  // the environments among the cores that way.
  globalThis[Symbol.for('eks-istio-mesh.relaunch')] = { script: __filename, argv: [entry, ...args] };
  // The entry sees itself as the script node runs, with its own arguments.
  process.argv = [process.argv[0], entry, ...args];
  // esbuild's version from its package.json: esbuild itself is loaded only to build.
  let esbuildVersion;
  try {
    esbuildVersion = process.env.EKS_MESH_NO_BUNDLE === '1' ? undefined : require('esbuild/package.json').version;
  } catch {
    esbuildVersion = undefined;
  }
  if (!esbuildVersion) return viaTsx(entry);
  const name = path
    .relative(ROOT, entry)
    .replace(/\.[cm]?[jt]s$/, '')
    .replace(/[^A-Za-z0-9.-]+/g, '-');
  const bundle = path.join(CACHE, `${name}.js`);
  const stampFile = path.join(CACHE, `${name}.inputs.json`);
  let current = false;
  try {
    const recorded = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
    // The entry too: a node_modules shared by two checkouts holds one cache folder for both.
    current =
      recorded.entry === entry &&
      recorded.esbuild === esbuildVersion &&
      recorded.node === process.version &&
      sameStamps(recorded.stamps) &&
      fs.existsSync(bundle);
  } catch {
    current = false;
  }
  if (current) return runBundle(entry, bundle);
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    return viaTsx(entry);
  }
  if (!(await build(esbuild, entry, bundle, stampFile))) return viaTsx(entry);
  return runBundle(entry, bundle);
}

limitHeapGrowth();
void run(process.argv.slice(2));
