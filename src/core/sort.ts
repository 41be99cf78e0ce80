/**
 * Sorting for output: code-point order, the same in every locale.
 *
 * `String.prototype.localeCompare` follows the process's ICU default locale, which Node takes from
 * `LC_ALL`/`LANG`: under `cs_CZ` "ch" sorts after "h", so the same config would write objects in
 * another order on another machine. Everything that orders output uses these instead.
 */

/** Compare two strings by UTF-16 code units (`<`/`>`): deterministic, locale-free. */
export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Sort a copy of `items` in code-point order. */
export function sortedByCodePoint(items: Iterable<string>): string[] {
  return [...items].sort(byCodePoint);
}
