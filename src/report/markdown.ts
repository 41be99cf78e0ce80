/** The escaping of the report's Markdown and Mermaid text. */

/** A Mermaid node id from names. */
export const id = (...parts: string[]) => parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');
/** A quoted Mermaid label. */
export const text = (s: string) => `"${s.replace(/"/g, '#quot;')}"`;
/** Inline code. */
export const code = (s: string) => `\`${s}\``;
/** A Markdown table cell. */
export const cell = (s: string) => s.replace(/\|/g, '\\|');
