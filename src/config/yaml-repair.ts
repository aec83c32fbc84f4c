/**
 * An unclosed quote or bracket makes YAML read the rest of the file as part of one string or list,
 * and the parser reports it where it gave up (often the end of the file) in its own words. Here the
 * opening quote or bracket is found, closed where its line ends (a quote before the `}` or `]` that
 * end a flow map or list on its line), and the file parsed again: the error is told where the user
 * opened it, and the rest of the file can still be checked.
 * Closing never adds a line, so every line number stays what the user sees in the editor.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';

export interface Repair {
  /** Offset of the opening quote or bracket, in the repaired text. */
  offset: number;
  message: string;
}

/** At most this many openings are closed in one file: more is not a few typos. */
const MAX_REPAIRS = 10;

/** The offset where the line holding `offset` ends, before trailing blanks and a comment. */
function lineEnd(text: string, offset: number, comments: boolean): number {
  const nl = text.indexOf('\n', offset);
  let end = nl < 0 ? text.length : nl;
  const line = text.slice(offset, end);
  const comment = comments ? /\s#/.exec(line) : null;
  if (comment) end = offset + comment.index;
  while (end > offset && /\s/.test(text[end - 1]!)) end--;
  return end;
}

/**
 * Where to close a quote opened inside `depth` flow collections that start on its line:
 * before the line's last `]` and `}` (at most `depth` of them, and what follows them, a comment
 * included), so `{ url: "https://x }` becomes `{ url: "https://x" }`, not `{ url: "https://x }"`.
 */
function beforeClosers(text: string, open: number, depth: number): number {
  const strip = (end: number) => {
    let closers = 0;
    for (;;) {
      while (end > open + 1 && /\s/.test(text[end - 1]!)) end--;
      if (closers === depth || end <= open + 1 || !']}'.includes(text[end - 1]!)) return { end, closers };
      end--;
      closers++;
    }
  };
  // After a comment's `#` is taken off; when that leaves no closer (the `#` was in the string), the whole line.
  const short = strip(lineEnd(text, open, true));
  return short.closers > 0 ? short.end : strip(lineEnd(text, open, false)).end;
}

/** The first unclosed quote or flow collection YAML reports, closed; undefined when there is none. */
function repairOnce(text: string): { text: string; repair: Repair } | undefined {
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, merge: true });
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  const errors = [...doc.errors].sort((a, b) => a.pos[0] - b.pos[0]);
  for (const e of errors) {
    const at = e.pos[0];
    const quote = /^Missing closing (["'])quote/.exec(e.message);
    const flow = /^Flow (sequence|map) in block collection must be sufficiently indented and end with a ([\]}])/.exec(
      e.message,
    );
    if (!quote && !flow) continue;
    // The innermost node of that kind that starts before the error and reaches it.
    let open: number | undefined;
    visit(doc, {
      Node(_key, node) {
        const r = node.range;
        if (!r || r[0] >= at || r[1] < at - 1) return;
        const fits = quote
          ? isScalar(node) && node.type === (quote[1] === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE')
          : (isSeq(node) || isMap(node)) && node.flow === true && (flow![1] === 'sequence') === isSeq(node);
        if (fits && (open === undefined || r[0] > open)) open = r[0];
      },
    });
    if (open === undefined) continue;
    const opened = open;
    const closer = quote ? quote[1]! : flow![2]!;
    const opener = quote ? closer : closer === ']' ? '[' : '{';
    const openLine = lines.linePos(open).line;
    // On the opening line, close where YAML stopped (`[a, b }` → `[a, b ]}`); else at the line's end,
    // but a quote inside a flow map or list opened on its line before the `}` or `]` that ends it.
    let depth = 0;
    if (quote) {
      visit(doc, {
        Node(_key, node) {
          const r = node.range;
          if (!r || r[0] >= opened || r[1] <= opened || !((isSeq(node) || isMap(node)) && node.flow === true)) return;
          if (lines.linePos(r[0]).line === openLine) depth++;
        },
      });
    }
    const insert =
      lines.linePos(at).line === openLine && !quote
        ? at
        : depth > 0
          ? beforeClosers(text, open, depth)
          : lineEnd(text, open, !quote);
    const what = quote ? 'string' : flow![1] === 'sequence' ? 'list' : 'map';
    // The last line read into it: the error may sit at the start of the line after (or the file's end).
    const until = lines.linePos(Math.max(open, at - 1)).line;
    const message =
      until > openLine
        ? `this ${opener} is not closed on its line, so YAML reads the lines after it, up to line ${until}, as part of the ${what}; add the closing ${closer}`
        : `this ${opener} is not closed; add the closing ${closer}`;
    return { text: text.slice(0, insert) + closer + text.slice(insert), repair: { offset: open, message } };
  }
  return undefined;
}

/** The text with unclosed quotes and brackets closed, and where each was opened. */
export function repairYaml(text: string): { text: string; repairs: Repair[] } {
  const repairs: Repair[] = [];
  let current = text;
  for (let i = 0; i < MAX_REPAIRS; i++) {
    const next = repairOnce(current);
    if (!next || repairs.some((r) => r.offset === next.repair.offset)) break;
    repairs.push(next.repair);
    current = next.text;
  }
  return { text: current, repairs };
}
