// Glob matching with the semantics Harbor uses for replication filters.
//
// Harbor matches repository names and tags with `util.Match`
// (src/pkg/reg/util/pattern.go): an empty pattern matches everything, a pattern starting with
// `regex:` is a Go regular expression tested unanchored (`MatchString`), and anything else goes
// to `github.com/bmatcuk/doublestar` v1 `Match`, with `/` as the separator.
//
// doublestar v1, which this module reimplements by compiling a pattern to a RegExp:
// - `*` matches any run of characters except `/` (also the empty run, so `*` matches `""`);
// - `**` matches across `/` only when it is a whole path component (`a/**`, `**/b`, `a/**/b`):
//   then it stands for zero or more components (`a/**/b` matches `a/b`); inside a component
//   (`a**b`) it is the same as `*`. `a/**` needs something after `a/`, so it does not match `a`;
// - `?` matches one character except `/`;
// - `[abc]`, `[a-z]`, `[^a-z]` character classes (negation is `^` only: `[!a]` is the class of
//   `!` and `a`); an empty class `[]` or a class starting with `-` is a syntax error; a class never
//   matches `/`;
// - `{a,b}` alternatives, nestable, which may contain `/` and may be empty (`{,x}`);
// - `\c` matches `c` literally;
// - case-sensitive; no special treatment of names starting with `.`, no `!` negation and no `#`
//   comments (those are where minimatch's defaults differ; see the tests).
//
// `regex:` patterns run on JavaScript's RegExp (`u` flag) rather than Go's RE2; they agree on the
// usual syntax (classes, anchors, alternation, repetition).
//
// Known corner where ferry differs from doublestar v1: a `**` that only becomes a whole component
// after brace expansion (`{**,x}/y`) is a globstar here, a single-component `*` there.

export class GlobSyntaxError extends Error {
  constructor(
    readonly pattern: string,
    detail: string,
  ) {
    super(`invalid pattern ${JSON.stringify(pattern)}: ${detail}`);
    this.name = 'GlobSyntaxError';
  }
}

/** Most alternatives one pattern may expand to, to keep `{a,b}{c,d}...` from exploding. */
const MAX_ALTERNATIVES = 1024;

/** Compile a Harbor-style pattern to a predicate. Throws GlobSyntaxError on a malformed pattern. */
export function compileGlob(pattern: string): (subject: string) => boolean {
  if (pattern === '') return () => true;
  const re = globToRegExp(pattern);
  return (subject) => re.test(subject);
}

/** The RegExp a pattern compiles to (anchored, except `regex:` patterns, which Harbor tests unanchored). */
export function globToRegExp(pattern: string): RegExp {
  if (pattern.startsWith('regex:')) {
    const source = pattern.slice('regex:'.length);
    try {
      return new RegExp(source, 'u');
    } catch (err) {
      throw new GlobSyntaxError(pattern, `bad regular expression: ${(err as Error).message}`);
    }
  }
  if (pattern === '') return /^[\s\S]*$/u;
  const alternatives = expandBraces(pattern, pattern);
  const bodies = [...new Set(alternatives.map((alt) => compileAlternative(alt, pattern)))];
  return new RegExp(`^(?:${bodies.join('|')})$`, 'u');
}

/** True when the pattern matches every string (used to spot rules that match everything). */
export function isMatchAllPattern(pattern: string): boolean {
  return pattern === '' || pattern === '**' || pattern === 'regex:' || pattern === 'regex:.*';
}

// ---------------------------------------------------------------------------------------------
// brace expansion

/** Index of the `]` closing a class opened at `open`, or -1 (first unescaped `]`, as doublestar). */
function classEnd(p: string, open: number): number {
  for (let i = open + 1; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === ']') return i;
  }
  return -1;
}

/**
 * Expand the first `{...}` group (and, recursively, the rest), keeping escapes intact so that
 * the compiler still sees `\{` as a literal.
 */
function expandBraces(p: string, whole: string): string[] {
  let open = -1;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      const end = classEnd(p, i);
      if (end !== -1) i = end;
    } else if (c === '{') {
      open = i;
      break;
    }
  }
  if (open === -1) return [p];

  // split the group's alternatives at top-level commas (doublestar's splitAlternatives)
  const options: string[] = [];
  let depth = 1;
  let start = open + 1;
  let i = open + 1;
  for (; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      i++;
    } else if (c === '{') {
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) break;
    } else if (c === ',' && depth === 1) {
      options.push(p.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw new GlobSyntaxError(whole, 'unclosed "{"');
  options.push(p.slice(start, i));

  const prefix = p.slice(0, open);
  const suffixes = expandBraces(p.slice(i + 1), whole);
  const out: string[] = [];
  for (const option of options) {
    for (const inner of expandBraces(option, whole)) {
      for (const suffix of suffixes) {
        out.push(prefix + inner + suffix);
        if (out.length > MAX_ALTERNATIVES) {
          throw new GlobSyntaxError(whole, `expands to more than ${MAX_ALTERNATIVES} alternatives`);
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// compiling one brace-free alternative

type Token =
  | { kind: 'sep' }
  | { kind: 'star'; raw: string }
  | { kind: 'any' }
  | { kind: 'class'; negated: boolean; ranges: [number, number][] }
  | { kind: 'lit'; char: string };

function tokenize(p: string, whole: string): Token[] {
  const tokens: Token[] = [];
  const chars = Array.from(p); // by code point, as Go decodes runes
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\') {
      const next = chars[i + 1];
      if (next === undefined) throw new GlobSyntaxError(whole, 'trailing "\\"');
      tokens.push({ kind: 'lit', char: next });
      i++;
    } else if (c === '/') {
      tokens.push({ kind: 'sep' });
    } else if (c === '*') {
      let raw = '*';
      while (chars[i + 1] === '*') {
        raw += '*';
        i++;
      }
      tokens.push({ kind: 'star', raw });
    } else if (c === '?') {
      tokens.push({ kind: 'any' });
    } else if (c === '[') {
      let end = -1;
      for (let j = i + 1; j < chars.length; j++) {
        if (chars[j] === '\\') j++;
        else if (chars[j] === ']') {
          end = j;
          break;
        }
      }
      if (end === -1) throw new GlobSyntaxError(whole, 'unclosed "["');
      tokens.push(parseClass(chars.slice(i + 1, end), whole));
      i = end;
    } else {
      tokens.push({ kind: 'lit', char: c });
    }
  }
  return tokens;
}

function parseClass(body: string[], whole: string): Token {
  if (body.length === 0) throw new GlobSyntaxError(whole, 'empty character class "[]"');
  let i = 0;
  const negated = body[0] === '^';
  if (negated) i++;
  const ranges: [number, number][] = [];
  const take = (): string => {
    let c = body[i++]!;
    if (c === '\\') {
      const next = body[i++];
      if (next === undefined) throw new GlobSyntaxError(whole, 'trailing "\\" in a character class');
      c = next;
    }
    return c;
  };
  while (i < body.length) {
    if (body[i] === '-') throw new GlobSyntaxError(whole, 'character class range without a start');
    const low = take();
    let high = low;
    if (body[i] === '-') {
      i++;
      if (i >= body.length || body[i] === '-') {
        throw new GlobSyntaxError(whole, 'character class range without an end');
      }
      high = take();
    }
    ranges.push([low.codePointAt(0)!, high.codePointAt(0)!]);
  }
  return { kind: 'class', negated, ranges };
}

function escapeRegExpChar(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/u.test(c) ? `\\${c}` : c;
}

function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function classToRegExp(t: Extract<Token, { kind: 'class' }>): string {
  // A range whose start is past its end matches nothing (Go compares lo <= r <= hi).
  const parts = t.ranges
    .filter(([lo, hi]) => lo <= hi)
    .map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`));
  if (t.negated) return `[^/${parts.join('')}]`;
  if (parts.length === 0) return '(?!)';
  return `(?!/)[${parts.join('')}]`;
}

function tokenToRegExp(t: Token): string {
  switch (t.kind) {
    case 'sep':
      return '/';
    case 'star':
      return '[^/]*';
    case 'any':
      return '[^/]';
    case 'class':
      return classToRegExp(t);
    case 'lit':
      return escapeRegExpChar(t.char);
  }
}

function compileAlternative(alt: string, whole: string): string {
  const tokens = tokenize(alt, whole);
  // split into path components
  const components: Token[][] = [[]];
  for (const t of tokens) {
    if (t.kind === 'sep') components.push([]);
    else components[components.length - 1]!.push(t);
  }
  let out = '';
  for (let i = 0; i < components.length; i++) {
    const comp = components[i]!;
    const last = i === components.length - 1;
    const first = comp[0];
    const globstar = comp.length === 1 && first?.kind === 'star' && first.raw === '**';
    if (globstar) {
      // `**` as the last component eats the rest (including `/`); elsewhere zero or more
      // whole components, each followed by its `/` (the separator after `**` is consumed here).
      out += last ? '[\\s\\S]*' : '(?:[^/]*/)*';
      continue;
    }
    out += comp.map(tokenToRegExp).join('');
    if (!last) out += '/';
  }
  return out;
}
