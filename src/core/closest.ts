/**
 * "Did you mean": the known name closest to a misspelled one.
 */
import { byCodePoint } from './sort';

/** Levenshtein distance (insertions, deletions, substitutions), compared case-insensitively. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length];
}

/**
 * The known name closest to `name`, if it is close enough to be a likely typo: at most
 * `maxDistance` edits (default: 2, or a third of the name's length when longer). Ties go to the
 * first in code-point order, so the answer does not depend on the order of `known`.
 */
export function closestName(name: string, known: Iterable<string>, maxDistance?: number): string | undefined {
  const limit = maxDistance ?? Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of [...known].sort(byCodePoint)) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}
