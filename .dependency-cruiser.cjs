/**
 * The import layers of src/ (see ARCHITECTURE.md): every import points down this list, and no
 * import closes a circle. `npm run lint:arch` checks it; `npm test` runs it first.
 */
const LAYERS = ['core', 'config', 'constructs', 'profiles', 'platform', 'checks', 'report|diff', 'synth', 'cli'];

/** A folder of src/ may import only the folders listed before it (and itself). */
const upward = LAYERS.map((layer, i) => ({
  name: `layer-${layer.replace('|', '-')}`,
  comment: `src/${layer.replace('|', '/ and src/')}/ may import only the layers below it: ${LAYERS.slice(0, i).join(', ').replace(/\|/g, ', ') || 'nothing of src'}`,
  severity: 'error',
  from: { path: `^src/(${layer})/` },
  to: { path: i + 1 < LAYERS.length ? `^src/((${LAYERS.slice(i + 1).join('|')})/|index\\.ts$)` : '^src/index\\.ts$' },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'files of src/ that import each other in a circle',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-imports-nothing',
      comment: 'src/core/ is the leaf toolbox: it imports nothing of src/ outside itself',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    ...upward.slice(1),
    {
      name: 'report-not-diff',
      comment: 'report/ and diff/ are one layer and do not import each other',
      severity: 'error',
      from: { path: '^src/(report)/' },
      to: { path: '^src/diff/' },
    },
    {
      name: 'diff-not-report',
      comment: 'report/ and diff/ are one layer and do not import each other',
      severity: 'error',
      from: { path: '^src/(diff)/' },
      to: { path: '^src/report/' },
    },
    {
      name: 'library-not-instance',
      comment: 'the library does not import this platform (charts/) or the tooling around it',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(charts|test|bench|verify|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|imports)/' },
    // Type-only imports count: a circle of types is a circle of meaning.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
