/**
 * Escaping for the three places report text ends up: HTML text and
 * attributes, JSON inside a <script> element, and Markdown. Every name in a
 * results file (counter names carry error messages) is untrusted text.
 */

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

/**
 * JSON that can sit inside <script type="application/json">: with `<`, `>`
 * and `&` escaped no `</script>` or `<!--` can end the element early, and
 * U+2028/2029 are escaped for older parsers that treat them as newlines.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Markdown text inside a line (never at its start): the characters that
 * make emphasis, code, links, tables or GitHub's HTML passthrough are
 * backslash-escaped (CommonMark allows that for any ASCII punctuation), and
 * newlines become spaces so a table row stays one row.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/[\\`*_[\]<>|~&]/g, (c) => `\\${c}`);
}

/**
 * A Markdown code span that is safe inside a table cell: GitHub splits cells
 * on `|` even inside code, and a backtick would end the span.
 */
export function markdownCode(text: string): string {
  const body = text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/`/g, "'").replace(/\|/g, '\\|');
  return `\`${body}\``;
}
