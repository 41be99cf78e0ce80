/** The types of scripts/linear-filters.js (see there). */
export declare function linearFilters(
  text: string,
  options: { readonly helper: string; readonly language: 'ts' | 'js' },
): { readonly text: string; readonly replaced: number; readonly left: boolean };
