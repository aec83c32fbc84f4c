// Glob matching with the semantics Harbor uses for replication filters.
//
// Harbor matches repository names and tags with `util.Match`
// (src/pkg/reg/util/pattern.go): an empty pattern matches everything, a pattern starting with
// `regex:` is a Go regular expression tested unanchored (`MatchString`), and anything else goes
// to `github.com/bmatcuk/doublestar` v1 `Match`, with `/` as the separator.
//
// doublestar v1, which this module reimplements with a matcher of its own (see "matching" below):
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
// `regex:` patterns run on re2js, a JavaScript port of RE2 (Go's regexp syntax, linear time: no
// pattern can make a match hang); like Harbor, they are tested unanchored (`MatchString`). The
// rules file's `{ regex: ... }` form is anchored at both ends (regsync's behaviour); the loader
// turns it into `regex:^(?:...)$`.
//
// Known corner where ferry differs from doublestar v1: a `**` that only becomes a whole component
// after brace expansion (`{**,x}/y`) is a globstar here, a single-component `*` there.

import { RE2JS } from 're2js';

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

/**
 * Compile a Harbor-style pattern to a predicate. Throws GlobSyntaxError on a malformed pattern.
 * Globs match in time linear in the subject (see "matching" below); `regex:` patterns run on
 * JavaScript's RegExp.
 */
export function compileGlob(pattern: string): (subject: string) => boolean {
  if (pattern === '') return () => true;
  if (pattern.startsWith('regex:')) {
    const re = compileRegex(pattern);
    return (subject) => re.matcher(subject).find();
  }
  const interned = new Map<string, Step>();
  return compileMatcher(expandBraces(pattern, pattern).map((alt) => alternativeSteps(alt, pattern, interned)));
}

/** A `regex:` pattern on RE2 (Go syntax, linear time); GlobSyntaxError when RE2 refuses it. */
function compileRegex(pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern.slice('regex:'.length));
  } catch (err) {
    const detail = (err as Error).message.replace(/^error parsing regexp: /, '');
    throw new GlobSyntaxError(pattern, `bad regular expression: ${detail}`);
  }
}

/**
 * The RegExp a pattern compiles to (anchored, except `regex:` patterns, which Harbor tests
 * unanchored). It answers as compileGlob, but on a backtracking engine that can take exponential
 * time on star-heavy globs: show it, never run it on names from a registry.
 */
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

/**
 * Repository names and tags of every shape a registry holds (one segment and deep, digits first,
 * upper case in tags, the longest lengths): a pattern that selects all of them selects everything.
 */
const EVERY_SHAPE: Record<'name' | 'tag', readonly string[]> = {
  // No one-segment name: Harbor, GHCR and Docker Hub have none (project/repo, owner/name), so
  // `*/**` selects everything there. Elsewhere that over-counts, on the safe side.
  name: [
    'library/nginx',
    'team/app/web-ui',
    '9lives/a.b_c__d-e/f',
    `deep/${Array.from({ length: 12 }, (_, i) => `s${i}`).join('/')}`,
    `${'n'.repeat(120)}/${'m'.repeat(120)}`,
  ],
  tag: ['a', '0', 'latest', 'v1.2.3', 'V1.0-RC.1_build.7', '_x', `sha256-${'a'.repeat(64)}`, 'T'.repeat(128)],
};

/**
 * True when a name (`of: 'name'`) or tag (`of: 'tag'`) pattern selects everything: a rule with
 * deletions and such filters must say acknowledge_match_all. Decided by what the pattern matches,
 * not how it is written: `**`, `"*"` for tags, `regex:.*` and `{ regex: ".+" }`, an unanchored
 * `regex:x*` (it matches the empty string in every name), and any project with everything below it
 * (on a registry that has only project/repo names, everything). A pattern that matches every shape of name but not some odd
 * one is taken as match-all: the guard then asks, which is the safe side.
 */
export function isMatchAllPattern(pattern: string, of: 'name' | 'tag'): boolean {
  if (pattern === '' || pattern === '**' || (of === 'tag' && pattern === '*')) return true;
  if (pattern.startsWith('!')) return false;
  let match: (subject: string) => boolean;
  try {
    match = compileGlob(pattern);
  } catch {
    return false; // reported by validation; it selects nothing
  }
  return EVERY_SHAPE[of].every(match);
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

/** The path components of a brace-free alternative, each either a globstar or its tokens. */
function components(alt: string, whole: string): (Token[] | 'globstar')[] {
  const tokens = tokenize(alt, whole);
  const parts: Token[][] = [[]];
  for (const t of tokens) {
    if (t.kind === 'sep') parts.push([]);
    else parts[parts.length - 1]!.push(t);
  }
  return parts.map((comp) => {
    const first = comp[0];
    return comp.length === 1 && first?.kind === 'star' && first.raw === '**' ? 'globstar' : comp;
  });
}

function compileAlternative(alt: string, whole: string): string {
  const comps = components(alt, whole);
  let out = '';
  for (let i = 0; i < comps.length; i++) {
    const comp = comps[i]!;
    const last = i === comps.length - 1;
    if (comp === 'globstar') {
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

// ---------------------------------------------------------------------------------------------
// matching
//
// A RegExp for a glob such as `*-*-*-*-*-*-rc` backtracks through every way of splitting the
// subject among the stars, which takes time exponential in their number (seconds to minutes for
// one 128-character tag). Here each alternative becomes a sequence of steps, the alternatives are
// merged into one automaton, and the automaton runs on a set of states (Thompson's simulation):
// every code point of the subject is looked at once per live state, so a match costs at most
// O(automaton size × subject length) whatever the input. The automaton has about one state per
// token of the pattern (at most one per token of all the brace alternatives together).

const SLASH = 0x2f;

type Step =
  | { kind: 'one'; test: (cp: number) => boolean } // exactly one code point
  | { kind: 'star' } // [^/]*
  | { kind: 'globstar' } // (?:[^/]*\/)*: zero or more whole components, each with its `/`
  | { kind: 'rest' }; // anything, `/` included: a trailing `**`

const notSlash = (cp: number): boolean => cp !== SLASH;
const isSlash = (cp: number): boolean => cp === SLASH;
const anything = (): boolean => true;

const STAR: Step = { kind: 'star' };
const GLOBSTAR: Step = { kind: 'globstar' };
const REST: Step = { kind: 'rest' };
const SEP: Step = { kind: 'one', test: isSlash };
const ANY: Step = { kind: 'one', test: notSlash };

/** The step of one token, shared through `interned` so that equal steps are one object (the merge compares steps by identity). */
function tokenStep(t: Token, interned: Map<string, Step>): Step {
  switch (t.kind) {
    case 'sep':
      return SEP;
    case 'star':
      return STAR;
    case 'any':
      return ANY;
    case 'lit': {
      const cp = t.char.codePointAt(0)!;
      const key = `=${cp}`;
      let step = interned.get(key);
      if (step === undefined) {
        step = { kind: 'one', test: (c) => c === cp };
        interned.set(key, step);
      }
      return step;
    }
    case 'class': {
      // a reversed range matches nothing (see classToRegExp); a class never matches `/`
      const ranges = t.ranges.filter(([lo, hi]) => lo <= hi);
      const { negated } = t;
      const key = `[${negated ? '^' : ''}${ranges.map(([lo, hi]) => `${lo}-${hi}`).join('.')}]`;
      let step = interned.get(key);
      if (step === undefined) {
        step = {
          kind: 'one',
          test: (c) => c !== SLASH && ranges.some(([lo, hi]) => lo <= c && c <= hi) !== negated,
        };
        interned.set(key, step);
      }
      return step;
    }
  }
}

/** The steps of a brace-free alternative: the same language as compileAlternative's RegExp. */
function alternativeSteps(alt: string, whole: string, interned: Map<string, Step>): Step[] {
  const comps = components(alt, whole);
  const steps: Step[] = [];
  comps.forEach((comp, i) => {
    const last = i === comps.length - 1;
    if (comp === 'globstar') {
      steps.push(last ? REST : GLOBSTAR);
      return;
    }
    for (const t of comp) steps.push(tokenStep(t, interned));
    if (!last) steps.push(SEP);
  });
  return steps;
}

interface Move {
  test: (cp: number) => boolean;
  to: number;
}

interface MergedNode {
  accept: boolean;
  edges: { step: Step; to: number }[];
}

/**
 * Merge the alternatives into one automaton without repeated parts: first a trie (shared
 * prefixes), then equal subtrees merged (shared suffixes), so that `{a,b}{a,b}...` with 1024
 * alternatives stays a chain of a few nodes instead of 1024 parallel branches. The trie can hold
 * 1024 × the pattern's length nodes, so it lives in flat arrays of numbers.
 */
function mergeAlternatives(alternatives: Step[][]): { nodes: MergedNode[]; root: number } {
  const stepIds = new Map<Step, number>();
  const steps: Step[] = [];
  // trie node n: accepting?, first child, next sibling, and the step that leads to it
  const accept: number[] = [0];
  const firstChild: number[] = [-1];
  const nextSibling: number[] = [-1];
  const via: number[] = [-1];
  for (const alt of alternatives) {
    let node = 0;
    for (const step of alt) {
      let id = stepIds.get(step);
      if (id === undefined) {
        id = steps.length;
        stepIds.set(step, id);
        steps.push(step);
      }
      let child = firstChild[node]!;
      while (child !== -1 && via[child] !== id) child = nextSibling[child]!;
      if (child === -1) {
        child = accept.length;
        accept.push(0);
        firstChild.push(-1);
        nextSibling.push(firstChild[node]!);
        via.push(id);
        firstChild[node] = child;
      }
      node = child;
    }
    accept[node] = 1;
  }

  // children are created after their parent, so a walk from the end sees every child first
  const canonical = new Int32Array(accept.length);
  const bySignature = new Map<string, number>();
  const nodes: MergedNode[] = [];
  for (let n = accept.length - 1; n >= 0; n--) {
    const edges: [number, number][] = [];
    for (let child = firstChild[n]!; child !== -1; child = nextSibling[child]!) {
      edges.push([via[child]!, canonical[child]!]);
    }
    edges.sort((a, b) => a[0] - b[0]);
    const signature = `${accept[n]}${edges.map(([step, to]) => `,${step}>${to}`).join('')}`;
    let id = bySignature.get(signature);
    if (id === undefined) {
      id = nodes.length;
      bySignature.set(signature, id);
      nodes.push({ accept: accept[n] === 1, edges: edges.map(([step, to]) => ({ step: steps[step]!, to })) });
    }
    canonical[n] = id;
  }
  return { nodes, root: canonical[0]! };
}

function compileMatcher(alternatives: Step[][]): (subject: string) => boolean {
  const { nodes, root } = mergeAlternatives(alternatives);

  // States: one per node (about to take one of its steps), plus the loops of the repeating steps.
  const accept: boolean[] = nodes.map((n) => n.accept);
  const epsilon: number[][] = nodes.map(() => []);
  const moves: Move[][] = nodes.map(() => []);
  const addState = (exit: number[]): number => {
    accept.push(false);
    epsilon.push(exit);
    moves.push([]);
    return accept.length - 1;
  };
  nodes.forEach((node, n) => {
    for (const { step, to } of node.edges) {
      if (step.kind === 'one') {
        moves[n]!.push({ test: step.test, to });
      } else if (step.kind === 'globstar') {
        // `between` sits at a component boundary (may leave); `inside` is within a component
        const between = addState([to]);
        const inside = addState([]);
        moves[between]!.push({ test: isSlash, to: between }, { test: notSlash, to: inside });
        moves[inside]!.push({ test: isSlash, to: between }, { test: notSlash, to: inside });
        epsilon[n]!.push(between);
      } else {
        const loop = addState([to]);
        moves[loop]!.push({ test: step.kind === 'star' ? notSlash : anything, to: loop });
        epsilon[n]!.push(loop);
      }
    }
  });

  // A state is in the current set when its stamp is the current generation: no clearing per step.
  const stamp = new Uint32Array(accept.length);
  let generation = 0;
  /** Add a state and everything reachable from it without reading a code point. */
  const enter = (state: number, into: number[]): void => {
    if (stamp[state] === generation) return;
    stamp[state] = generation;
    into.push(state);
    for (let i = into.length - 1; i < into.length; i++) {
      for (const e of epsilon[into[i]!]!) {
        if (stamp[e] !== generation) {
          stamp[e] = generation;
          into.push(e);
        }
      }
    }
  };

  return (subject) => {
    // one generation per code point; a string is far shorter than 2^31 code points
    if (generation > 0x7fffffff) {
      stamp.fill(0);
      generation = 0;
    }
    generation++;
    let current: number[] = [];
    enter(root, current);
    for (const ch of subject) {
      const cp = ch.codePointAt(0)!;
      generation++;
      const next: number[] = [];
      for (const state of current) {
        for (const move of moves[state]!) if (move.test(cp)) enter(move.to, next);
      }
      if (next.length === 0) return false;
      current = next;
    }
    return current.some((state) => accept[state]);
  };
}
