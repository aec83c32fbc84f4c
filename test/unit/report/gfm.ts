/**
 * Markdown as GitHub shows it, for tests: rendered by a GFM renderer (marked) and read back
 * through a DOM (jsdom), with the checks every renderer of untrusted names must pass.
 */
import { JSDOM } from 'jsdom';
import { lexer, marked, type Tokens } from 'marked';
import { expect } from 'vitest';

export const HOSTILE = [
  'pipe|in|tag',
  '`tick`',
  '``double``',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'line\nbreak',
  'cr\r\nlf',
  '**bold** _it_ ~~s~~',
  '[link](https://evil.example)',
  '@here &amp; &lt;',
  '</details><details open>',
  '<!-- comment',
  '\\|escaped',
  `long-${'x'.repeat(295)}`,
];

/** The elements the renderers mean to produce, with the attributes they may carry. */
const ALLOWED: Record<string, string[]> = {
  h2: [],
  h3: [],
  p: [],
  blockquote: [],
  strong: [],
  em: [],
  code: ['class'],
  pre: [],
  table: [],
  thead: [],
  tbody: [],
  tr: [],
  th: ['align'],
  td: ['align'],
  details: ['open'],
  summary: [],
  b: [],
  sub: [],
  a: ['href'],
  ul: [],
  li: [],
  br: [],
};

export function rendered(md: string): Document {
  return new JSDOM(`<body>${marked.parse(md, { gfm: true, async: false })}</body>`).window.document;
}

/** Cells of a raw GFM table row: split at pipes that are not backslash-escaped (GFM spec 4.10). */
function rawCells(row: string): number {
  const inner = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).length;
}

/** Every table marked finds: each raw row splits into exactly the header's number of cells. */
export function expectWholeRows(md: string): number {
  let tables = 0;
  const walk = (tokens: readonly { type: string; tokens?: unknown }[]) => {
    for (const t of tokens) {
      if (t.type === 'table') {
        tables++;
        const table = t as Tokens.Table;
        const lines = table.raw.trimEnd().split('\n');
        for (const line of [lines[0]!, ...lines.slice(2)]) expect(rawCells(line), line).toBe(table.header.length);
        expect(table.rows.length).toBe(lines.length - 2);
      }
      if (Array.isArray(t.tokens)) walk(t.tokens as never);
    }
  };
  walk(lexer(md, { gfm: true }));
  return tables;
}

/** No element or attribute beyond the allowed ones; no `on…` handler, no script URL. */
export function expectNoRawHtml(doc: Document): void {
  for (const el of doc.body.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    expect(Object.keys(ALLOWED), `<${tag}> in the output`).toContain(tag);
    for (const attr of el.getAttributeNames()) expect(ALLOWED[tag], `${tag}[${attr}]`).toContain(attr);
    if (tag === 'a') expect(el.getAttribute('href')).toMatch(/^https:\/\/|^#/);
  }
}

/** A name as a reader sees it: one line, cut with `…`, an @mention broken by a zero-width space. */
export const shown = (s: string, max: number) => {
  const line = s.replace(/\r\n|[\r\n]/g, ' ');
  const points = Array.from(line);
  return (points.length <= max ? line : points.slice(0, max - 1).join('') + '…').replace(/@/g, '@\u200B');
};
