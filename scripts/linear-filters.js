// The code cdk8s's generator writes (in imports/ and in cdk8s-plus's k8s classes) drops the
// undefined values of every object it converts with
// `Object.entries(x).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: f(i[1]) }), {})`,
// which copies the object built so far once per key. `linearFilters` replaces each such expression
// by a call of one loop with the same result: the same keys in the same order, each defined value
// mapped by the same expression. `npm run import` applies it to the files it generates (the helper
// added as TypeScript), scripts/run.js to the generated modules it bundles (as JavaScript).
'use strict';

const GENERATED_REDUCE =
  /Object\.entries\(((?:[^()]|\([^()]*\))+)\)\.reduce\(\(r, i\) => \(i\[1\] === undefined\) \? r : \(\{ \.\.\.r, \[i\[0\]\]: (.+?) \}\), \{\}\)/g;

/** What is left of such a reduce when one is written in a form the pattern above does not match. */
const ANY_GENERATED_REDUCE = /\.reduce\(\(r, i\)/;

/** The helper the calls go to, as TypeScript (for imports/) or as JavaScript (for a bundle). */
function helperSource(name, language) {
  const comment = "/** The entries of `obj` whose value is defined, in their order, each value mapped by `f`";
  if (language === 'ts') {
    return `${comment} (added by npm run import). */
function ${name}<V>(obj: { readonly [key: string]: V }, f: (v: Exclude<V, undefined>) => unknown = v => v): Record<string, any> {
  const out: Record<string, any> = {};
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (v !== undefined) out[k] = f(v as Exclude<V, undefined>);
  }
  return out;
}
`;
  }
  return `${comment}. */
function ${name}(obj, f) {
  const out = {};
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (v !== undefined) out[k] = f === undefined ? v : f(v);
  }
  return out;
}
`;
}

/**
 * `text` with every generated reduce replaced by a call of `helper` (appended once when any was
 * replaced), the number replaced, and whether a reduce of the generator's kind is left.
 *
 * @param {string} text
 * @param {{ helper: string, language: 'ts' | 'js' }} options
 * @returns {{ text: string, replaced: number, left: boolean }}
 */
function linearFilters(text, { helper, language }) {
  let replaced = 0;
  const out = text.replace(GENERATED_REDUCE, (_, object, value) => {
    replaced++;
    return value === 'i[1]' ? `${helper}(${object})` : `${helper}(${object}, v => ${value.replace(/\bi\[1\]/g, 'v')})`;
  });
  const left = ANY_GENERATED_REDUCE.test(out);
  return { text: replaced === 0 ? out : `${out}\n${helperSource(helper, language)}`, replaced, left };
}

module.exports = { linearFilters };
