/**
 * Mermaid's own parser for tests, run in Node: mermaid needs a DOM (DOMPurify) even to parse, so
 * a jsdom window stands in for the browser. `parseFlowchart` throws on what GitHub would show as
 * "Unable to render rich display", and returns the labels as GitHub would display them.
 */
import { JSDOM } from 'jsdom';
import { lexer, type Token } from 'marked';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
Object.assign(globalThis, { window: dom.window, document: dom.window.document });
const { default: mermaid } = await import('mermaid');

interface FlowDb {
  getVertices(): Map<string, { id: string; text?: string }>;
  getEdges(): { start: string; end: string; text: string }[];
}

/**
 * Mermaid replaces `#quot;`/`#35;` with private placeholders while parsing and turns them into
 * HTML entities when it draws; this does the same, then lets the DOM read the entities.
 */
function shown(text: string): string {
  const html = text.replace(/ﬂ°°(\d+)¶ß/g, '&#$1;').replace(/ﬂ°(\w+)¶ß/g, '&$1;');
  const div = dom.window.document.createElement('div');
  div.innerHTML = html;
  return div.textContent ?? '';
}

export interface ParsedFlowchart {
  nodes: { id: string; label: string }[];
  edges: { from: string; to: string; label: string }[];
}

export async function parseFlowchart(source: string): Promise<ParsedFlowchart> {
  const parsed = await mermaid.parse(source);
  if (!parsed || !parsed.diagramType.startsWith('flowchart'))
    throw new Error(`not a flowchart: ${parsed && parsed.diagramType}`);
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(source);
  const db = diagram.db as unknown as FlowDb;
  return {
    nodes: [...db.getVertices().values()].map((v) => ({ id: v.id, label: shown(v.text ?? v.id) })),
    edges: db.getEdges().map((e) => ({ from: e.start, to: e.end, label: shown(e.text) })),
  };
}

/** The bodies of the `mermaid` code blocks of a Markdown document, as a GFM parser finds them. */
export function mermaidBlocks(md: string): string[] {
  const found: string[] = [];
  const walk = (tokens: Token[]) => {
    for (const t of tokens) {
      if (t.type === 'code' && t.lang === 'mermaid') found.push(t.text);
      if ('tokens' in t && t.tokens) walk(t.tokens);
    }
  };
  walk(lexer(md, { gfm: true }));
  return found;
}
