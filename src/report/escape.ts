/**
 * Escaping for untrusted text (registry error bodies, tag names, labels) before it reaches
 * Markdown (job summary, PR comment) or the runner's log (RELIABILITY.md G4 / T25),
 * plus the small text formatters the renderers share (bytes, durations, digests).
 */

/** Default cap for one escaped string; long registry error bodies are cut with `…`. */
export const DEFAULT_MAX_TEXT = 300;

const ZWSP = '\u200B';

/** Cuts `s` to at most `max` code points, ending in `…` when cut. */
export function truncate(s: string, max = DEFAULT_MAX_TEXT): string {
  const points = Array.from(s);
  if (points.length <= max) return s;
  return points.slice(0, Math.max(0, max - 1)).join('') + '…';
}

const MD_CELL_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '|': '\\|',
  '`': '\\`',
  '*': '\\*',
  _: '\\_',
  '[': '\\[',
  ']': '\\]',
  '~': '\\~',
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
};

/**
 * Makes `s` safe as the text of one GitHub Markdown table cell: no cell break (`|`), no
 * code span, emphasis, link, HTML tag or entity, no line break, no @mention; cut at `max`.
 */
export function escapeMarkdownCell(s: string, max = DEFAULT_MAX_TEXT): string {
  return truncate(oneLine(s), max)
    .replace(/[\\|`*_[\]~<>&]/g, (c) => MD_CELL_ESCAPES[c] ?? c)
    .replace(/@/g, '@' + ZWSP);
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content or a quoted attribute (`<summary>`, `<code>`). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Makes text inert in a GitHub Actions log. The runner reads a line starting with `::` (after
 * leading blanks) as a workflow command, and `##[` as a legacy one, so a registry string like
 * `"\n::add-mask::x\n::error::pwned"` could mask output or raise an annotation
 * (docs.github.com, "Workflow commands for GitHub Actions"). Every line that would start with
 * `::` gets a zero-width space after its first colon and every `##[` one after its `#`; a lone
 * carriage return becomes a line break (the runner splits lines on it too); other control
 * characters (ANSI escapes included) are shown as `\xNN`. Nothing is percent-encoded: the
 * runner decodes `%25`/`%0A` only inside command data, so in a plain line they would show as is,
 * and `core.error`/`core.warning` encode their own data.
 */
export function neutralizeCommands(s: string): string {
  return (
    s
      .replace(/\r\n?/g, '\n')
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${hex2(c)}`)
      // The runner trims any Unicode blank before looking for `::` (.NET TrimStart).
      .replace(/^([^\S\n]*):(?=:)/gm, `$1:${ZWSP}`)
      .replace(/##\[/g, `#${ZWSP}#[`)
  );
}

/**
 * Inline code for Markdown outside tables: the fence is one backtick longer than the longest
 * backtick run inside, padded when the text starts or ends with a backtick (CommonMark 6.1).
 */
export function code(s: string, max = DEFAULT_MAX_TEXT): string {
  const text = truncate(oneLine(s), max);
  if (text === '') return '` `';
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(text) && text.trim() !== '' ? ' ' : '';
  return fence + pad + text + pad + fence;
}

/**
 * Monospace text for a table cell. A backtick code span can't hold `\|` reliably inside a GFM
 * table, so this is `<code>` around escaped cell text.
 */
export function codeCell(s: string, max = DEFAULT_MAX_TEXT): string {
  return `<code>${escapeMarkdownCell(s, max)}</code>`;
}

/** Replaces line breaks and tabs with spaces and drops other control characters. */
export function oneLine(s: string): string {
  return s.replace(/\r\n|[\r\n\t\u2028\u2029]/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

function hex2(c: string): string {
  return c.charCodeAt(0).toString(16).padStart(2, '0');
}

// ---- shared formatters -------------------------------------------------------------------

export { humanBytes } from '../util/units.js';

/** `850ms`, `2.1s`, `41s`, `6m12s`, `1h02m`. */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0ms';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${(Math.floor(seconds * 10) / 10).toFixed(1)}s`;
  if (seconds < 60) return `${Math.floor(seconds)}s`;
  const total = Math.floor(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  return `${m}m${String(s).padStart(2, '0')}s`;
}

const DIGEST_RE = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/**
 * A result's digest for people: the destination's (else the source's); for a tag kept because it
 * differs, the source's beside it, so the row shows what differs. A planned update shows what the
 * run writes, the digest its row will show, and what is there now. '' when there is none.
 */
export function rowDigest(r: {
  status: string;
  sourceDigest?: string;
  destinationDigest?: string;
  targetDigest?: string;
}): string {
  const writes = r.targetDigest ?? r.sourceDigest;
  if (r.status === 'would-update' && writes && r.destinationDigest && writes !== r.destinationDigest)
    return `${shortDigest(writes)} (now ${shortDigest(r.destinationDigest)})`;
  if (r.status === 'would-copy' && r.targetDigest) return shortDigest(r.targetDigest);
  const dst = shortDigest(r.destinationDigest ?? r.sourceDigest);
  return r.status === 'kept' && r.sourceDigest && r.destinationDigest && r.sourceDigest !== r.destinationDigest
    ? `${dst} (source ${shortDigest(r.sourceDigest)})`
    : dst;
}

/**
 * `sha256:abcd1234…` for a well-formed digest; anything else comes back cut to 24 characters
 * and still needs escaping by the caller.
 */
export function shortDigest(digest: string | undefined, hexChars = 8): string {
  if (!digest) return '';
  const m = DIGEST_RE.exec(digest);
  if (!m) return truncate(digest, 24);
  const [, algorithm, encoded] = m as unknown as [string, string, string];
  return encoded.length <= hexChars ? digest : `${algorithm}:${encoded.slice(0, hexChars)}…`;
}

/**
 * Cuts `s` to `max` code points like truncate, but keeps a closing `(registries.<name>…)` whole:
 * a hint ends by naming the registry entry to fix, and a plain cut dropped exactly that part.
 */
export function truncateKeepingSource(s: string, max = DEFAULT_MAX_TEXT): string {
  const points = Array.from(s);
  if (points.length <= max) return s;
  const m = /\s*(\(registries\.[^()]*\))$/.exec(s);
  const tail = m ? Array.from(m[1]!) : [];
  // A tail that would eat most of the room is cut like the rest.
  if (!m || tail.length > max / 3) return truncate(s, max);
  return `${truncate(s.slice(0, m.index), max - tail.length - 1)} ${m[1]}`;
}

/**
 * A registry error once: `message`, then ` (HTTP 404)` and ` [CODE]` only when the message does
 * not already say them (`… (HTTP 404 BLOB_UNKNOWN)` gave `(HTTP 404) … (HTTP 404 BLOB_UNKNOWN) [BLOB_UNKNOWN]`).
 */
export function errorText(e: { message: string; status?: number; codes?: string[] }): string {
  const status = e.status && !e.message.includes(`HTTP ${e.status}`) ? ` (HTTP ${e.status})` : '';
  const codes = (e.codes ?? []).filter((c) => !e.message.includes(c));
  return `${e.message}${status}${codes.length ? ` [${codes.join(', ')}]` : ''}`;
}

/** Left-aligned columns separated by two spaces, trailing blanks removed. */
export function alignColumns(rows: string[][], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, width(cell));
  }
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) => cell + ' '.repeat((widths[i] ?? 0) - width(cell)))
        .join('  ')
        .trimEnd(),
  );
}

/** Display width in a terminal: code points, ANSI colour sequences excluded. */
export function width(s: string): number {
  return Array.from(s.replace(/\x1b\[[0-9;]*m/g, '')).length;
}
