import {
  compareMatchByPositionAndId,
  SyntaxKind,
  type BlacklistedTerm,
  type MatchPayload,
  type Node,
  type StatefulTransformer,
  type TransformerContainer,
} from 'obscenity';
import { endianness } from 'node:os';
import { UnitReader } from './char-classes.js';

/**
 * A drop-in for obscenity's `RegExpMatcher.getAllMatches(text, true)` that finds exactly the same
 * matches in about one pass over the text. obscenity walks the text three times per call (the
 * whitelist transformers, the blacklist transformers, then one regular expression per term, 119
 * of them for the English preset) and builds its transformed string one character at a time.
 * Here one normalisation pass (the pure transformers cached per character) feeds an Aho–Corasick
 * automaton of each term's longest fixed run of letters: a term whose run never occurs cannot
 * match, so the usual clean text ends after that pass. Only the terms the automaton saw run
 * obscenity's own regular expression over the transformed text, and the whitelist pass happens
 * only when something matched. lexicon.test.ts compares it with obscenity on thousands of texts.
 */
export interface CompiledMatcherOptions {
  blacklistedTerms: BlacklistedTerm[];
  whitelistedTerms?: string[];
  blacklistMatcherTransformers?: TransformerContainer[];
  whitelistMatcherTransformers?: TransformerContainer[];
}

export interface CompiledMatcher {
  /** Every match, sorted by position then term id, as `RegExpMatcher.getAllMatches(text, true)`. */
  getAllMatches(text: string): MatchPayload[];
}

/** The text after the transformers, as UTF-16 code units, and where each unit came from. */
interface Normalised {
  units: Uint16Array;
  origin: Int32Array;
  length: number;
}

const UNKNOWN = -2;
const SKIPPED = -1;

/** Thresholds of obscenity's collapse-duplicates transformer, read off an instance of it. */
interface Collapse {
  thresholds: Float64Array;
  custom: Map<number, number>;
  fallback: number;
}

/**
 * When the only stateful stage is obscenity's collapse-duplicates transformer (the English
 * preset), its logic runs inline from a threshold table instead of a method call and a Map lookup
 * per character. Recognised by shape; anything else takes the generic path.
 */
function collapseOf(transformer: StatefulTransformer): Collapse | undefined {
  const fields = transformer as unknown as { defaultThreshold?: unknown; customThresholds?: unknown };
  if (transformer.constructor.name !== 'CollapseDuplicatesTransformer') return undefined;
  if (typeof fields.defaultThreshold !== 'number' || !(fields.customThresholds instanceof Map)) return undefined;
  const custom = fields.customThresholds as Map<number, number>;
  const thresholds = new Float64Array(0x10000).fill(fields.defaultThreshold);
  for (const [char, threshold] of custom) if (char < 0x10000) thresholds[char] = threshold;
  return { thresholds, custom, fallback: fields.defaultThreshold };
}

/**
 * obscenity's TransformerSet over a CharacterIterator, with the leading run of pure (simple)
 * transformers memoised per code point; stateful ones (collapse duplicates) run live, reset first.
 */
class Normaliser {
  private readonly collapse: Collapse | undefined;
  private readonly cached: ((char: number) => number | undefined)[] = [];
  private readonly live: ({ simple: (char: number) => number | undefined } | { stateful: StatefulTransformer })[] = [];
  private readonly bmp = new Int32Array(0x10000).fill(UNKNOWN);
  private readonly astral = new Map<number, number>();
  private buffer: Normalised = { units: new Uint16Array(0), origin: new Int32Array(0), length: 0 };
  private readonly input = new UnitReader();

  constructor(transformers: TransformerContainer[]) {
    for (const transformer of transformers) {
      if (transformer.type === 0 && this.live.length === 0) this.cached.push(transformer.transform);
      else if (transformer.type === 0) this.live.push({ simple: transformer.transform });
      else this.live.push({ stateful: transformer.factory() });
    }
    const [only] = this.live;
    this.collapse = this.live.length === 1 && only && 'stateful' in only ? collapseOf(only.stateful) : undefined;
  }

  private pure(char: number): number {
    let result: number | undefined = char;
    for (let i = 0; i < this.cached.length && result !== undefined; i++) result = this.cached[i]!(result);
    return result === undefined ? SKIPPED : result;
  }

  /**
   * Transforms `text` into the reused buffer (valid until the next call). With `automaton`, its
   * `onFound` is called as `RunAutomaton.scan` would, over the units as they are written, and the
   * result says so (`scanned`); only the usual single-collapse path does this.
   */
  run(text: string, automaton?: RunAutomaton, onFound?: (term: number) => void): Normalised & { scanned: boolean } {
    if (this.buffer.units.length < text.length * 2) {
      this.buffer = { units: new Uint16Array(text.length * 2), origin: new Int32Array(text.length * 2), length: 0 };
    }
    const { units, origin } = this.buffer;
    for (const stage of this.live) if ('stateful' in stage) stage.stateful.reset();
    if (this.collapse) return this.runCollapsing(text, this.collapse, automaton ?? EMPTY_AUTOMATON, onFound);
    const input = this.input.load(text);
    let length = 0;
    const end = text.length;
    let position = 0;
    while (position < end) {
      const start = position;
      let char = input[position++]!;
      if (char >= 0xd800 && char <= 0xdbff && position < end) {
        const next = input[position]!;
        if (next >= 0xdc00 && next <= 0xdfff) {
          char = (char - 0xd800) * 0x400 + (next - 0xdc00) + 0x10000;
          position++;
        }
      }
      let out: number | undefined;
      if (char < 0x10000) {
        out = this.bmp[char]!;
        if (out === UNKNOWN) out = this.bmp[char] = this.pure(char);
      } else {
        out = this.astral.get(char);
        if (out === undefined) this.astral.set(char, (out = this.pure(char)));
      }
      if (out === SKIPPED) continue;
      for (let i = 0; i < this.live.length && out !== undefined; i++) {
        const stage = this.live[i]!;
        out = 'simple' in stage ? stage.simple(out) : stage.stateful.transform(out);
      }
      if (out === undefined) continue;
      if (out < 0x10000) {
        units[length] = out;
        origin[length++] = start;
      } else {
        units[length] = 0xd800 + ((out - 0x10000) >> 10);
        origin[length++] = start;
        units[length] = 0xdc00 + ((out - 0x10000) & 0x3ff);
        origin[length++] = start;
      }
    }
    this.buffer.length = length;
    return { ...this.buffer, scanned: false };
  }

  /**
   * `run` when the only live stage is collapse-duplicates (the English preset): the same steps with
   * every table in a local and the automaton fed inline, the hottest loop of the classifier.
   */
  private runCollapsing(
    text: string,
    collapse: Collapse,
    automaton: RunAutomaton,
    onFound: ((term: number) => void) | undefined,
  ): Normalised & { scanned: boolean } {
    const { units, origin } = this.buffer;
    const { bmp, astral } = this;
    const { thresholds } = collapse;
    const { classOf, next, width, found, accepting } = automaton;
    const feed = onFound !== undefined;
    let state = 0;
    let lastChar = -1;
    let remaining = -1;
    let length = 0;
    const end = text.length;
    let position = 0;
    const input = this.input.load(text);
    while (position < end) {
      const start = position;
      let char = input[position++]!;
      let out: number;
      if (char < 0xd800 || char > 0xdfff) {
        out = bmp[char]!;
        if (out === UNKNOWN) out = bmp[char] = this.pure(char);
      } else {
        if (char <= 0xdbff && position < end) {
          const low = input[position]!;
          if (low >= 0xdc00 && low <= 0xdfff) {
            char = (char - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
            position++;
          }
        }
        if (char < 0x10000) {
          out = bmp[char]!;
          if (out === UNKNOWN) out = bmp[char] = this.pure(char);
        } else {
          let cached = astral.get(char);
          if (cached === undefined) astral.set(char, (cached = this.pure(char)));
          out = cached;
        }
      }
      if (out === SKIPPED) continue;
      // CollapseDuplicatesTransformer.transform, inline.
      if (out === lastChar) {
        if (!(remaining-- > 0)) continue;
      } else {
        const threshold = out < 0x10000 ? thresholds[out]! : (collapse.custom.get(out) ?? collapse.fallback);
        remaining = threshold - 1;
        lastChar = out;
        if (!(threshold > 0)) continue;
      }
      if (out < 0x10000) {
        units[length] = out;
        origin[length++] = start;
        if (feed) {
          state = next[state * width + classOf[out]!]!;
          if (accepting[state] !== 0) for (const term of found[state]!) onFound(term);
        }
      } else {
        const high = 0xd800 + ((out - 0x10000) >> 10);
        const low = 0xdc00 + ((out - 0x10000) & 0x3ff);
        units[length] = high;
        origin[length++] = start;
        units[length] = low;
        origin[length++] = start;
        if (feed) {
          state = next[state * width + classOf[high]!]!;
          if (accepting[state] !== 0) for (const term of found[state]!) onFound(term);
          state = next[state * width + classOf[low]!]!;
          if (accepting[state] !== 0) for (const term of found[state]!) onFound(term);
        }
      }
    }
    this.buffer.length = length;
    return { ...this.buffer, scanned: feed };
  }
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** The units as a string, lone surrogates kept (a UTF-16LE Buffer decodes without validating). */
function unitsToString(units: Uint16Array, length: number): string {
  if (LITTLE_ENDIAN) return Buffer.from(units.buffer, units.byteOffset, length * 2).toString('utf16le');
  let result = '';
  for (let i = 0; i < length; i += 1024) {
    result += String.fromCharCode.apply(null, Array.from(units.subarray(i, Math.min(length, i + 1024))));
  }
  return result;
}

const REGEXP_SPECIAL = new Set(['[', '.', '*', '+', '?', '^', '$', '{', '}', '(', ')', '|', '\\', ']']);

/** The regular expression obscenity compiles for a pattern (pattern/Util.ts, same flags). */
function regExpSource(node: Node): string {
  switch (node.kind) {
    case SyntaxKind.Literal:
      return node.chars
        .map((char) => String.fromCodePoint(char))
        .map((char) => (REGEXP_SPECIAL.has(char) ? `\\${char}` : char))
        .join('');
    case SyntaxKind.Optional:
      return `(?:${regExpSource(node.childNode)})?`;
    case SyntaxKind.Wildcard:
      return '.';
  }
}

function compile(term: BlacklistedTerm): RegExp {
  const { nodes, requireWordBoundaryAtStart, requireWordBoundaryAtEnd } = term.pattern;
  const body = nodes.map(regExpSource).join('');
  return new RegExp(`${requireWordBoundaryAtStart ? '\\b' : ''}${body}${requireWordBoundaryAtEnd ? '\\b' : ''}`, 'gs');
}

/** The longest run of letters every match of the pattern contains, as text ('' if none). */
function requiredRun(nodes: Node[]): string {
  let best = '';
  let current = '';
  for (const node of nodes) {
    if (node.kind === SyntaxKind.Literal) {
      current += String.fromCodePoint(...node.chars);
      if (current.length > best.length) best = current;
    } else current = '';
  }
  return best;
}

/** Above this many spellings, a term falls back to its one required run. */
const MAX_SPELLINGS = 64;

/**
 * The texts one of which every match of the pattern contains: each way of taking or leaving its
 * optional parts, spelled out, or its longest stretch without a wildcard when it has one. A term
 * whose spellings never occur cannot match, which rules out far more terms than one required run:
 * `s[s]e[e]x` needs "sex", "ssex", "seex" or "sseex", not merely an "s". Undefined when there are
 * too many spellings; a '' in the list means the term can match without any fixed letter.
 */
function spellings(nodes: Node[]): string[] | undefined {
  const optionals = nodes.filter((node) => node.kind === SyntaxKind.Optional).length;
  if (2 ** optionals > MAX_SPELLINGS) return undefined;
  const result = new Set<string>();
  for (let choice = 0; choice < 2 ** optionals; choice++) {
    const taken: Node[] = [];
    let optional = 0;
    for (const node of nodes) {
      if (node.kind !== SyntaxKind.Optional) taken.push(node);
      else if ((choice >> optional++) & 1) taken.push(node.childNode);
    }
    result.add(requiredRun(taken));
  }
  return [...result];
}

/** An Aho–Corasick automaton over UTF-16 code units, as a dense table over the runs' letters. */
class RunAutomaton {
  readonly classOf = new Uint16Array(0x10000);
  readonly width: number;
  readonly next: Int32Array;
  /** The terms whose run ends at each state (through the failure links too). */
  readonly found: number[][];
  /** 1 where `found` is not empty: the scan reads one byte per character, not an array. */
  readonly accepting: Uint8Array;

  constructor(runs: { run: string; term: number }[]) {
    let classes = 1;
    for (const { run } of runs) {
      for (let i = 0; i < run.length; i++) {
        const unit = run.charCodeAt(i);
        if (this.classOf[unit] === 0) this.classOf[unit] = classes++;
      }
    }
    this.width = classes;
    const goto: Int32Array[] = [new Int32Array(classes).fill(-1)];
    const found: number[][] = [[]];
    for (const { run, term } of runs) {
      let state = 0;
      for (let i = 0; i < run.length; i++) {
        const symbol = this.classOf[run.charCodeAt(i)]!;
        if (goto[state]![symbol] === -1) {
          goto[state]![symbol] = goto.length;
          goto.push(new Int32Array(classes).fill(-1));
          found.push([]);
        }
        state = goto[state]![symbol]!;
      }
      found[state]!.push(term);
    }
    // Breadth-first: each state's failure link is fixed before its children need it.
    const fail = new Int32Array(goto.length);
    this.next = new Int32Array(goto.length * classes);
    const queue: number[] = [];
    for (let symbol = 0; symbol < classes; symbol++) {
      const child = goto[0]![symbol]!;
      this.next[symbol] = child === -1 ? 0 : child;
      if (child > 0) queue.push(child);
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      found[state] = [...found[state]!, ...found[fail[state]!]!];
      for (let symbol = 0; symbol < classes; symbol++) {
        const child = goto[state]![symbol]!;
        const viaFail = this.next[fail[state]! * classes + symbol]!;
        if (child === -1) this.next[state * classes + symbol] = viaFail;
        else {
          this.next[state * classes + symbol] = child;
          fail[child] = viaFail;
          queue.push(child);
        }
      }
    }
    this.found = found;
    this.accepting = Uint8Array.from(found, (terms) => (terms.length > 0 ? 1 : 0));
  }

  /** Calls `onFound(term, end)` for every run that ends at unit `end` of `units`, in text order. */
  scan(units: Uint16Array, length: number, onFound: (term: number, end: number) => void): void {
    const { classOf, next, width, found, accepting } = this;
    let state = 0;
    for (let i = 0; i < length; i++) {
      state = next[state * width + classOf[units[i]!]!]!;
      if (accepting[state] === 0) continue;
      const terms = found[state]!;
      for (let k = 0; k < terms.length; k++) onFound(terms[k]!, i);
    }
  }
}

/** Stands in for "no automaton" so the normaliser's loop reads the same shapes either way. */
const EMPTY_AUTOMATON = new RunAutomaton([]);

export function createCompiledMatcher({
  blacklistedTerms,
  whitelistedTerms = [],
  blacklistMatcherTransformers = [],
  whitelistMatcherTransformers = [],
}: CompiledMatcherOptions): CompiledMatcher {
  if (whitelistedTerms.some((term) => term.length === 0)) throw new Error('A whitelisted term is empty.');
  const terms = blacklistedTerms.map((term) => ({
    id: term.id,
    regExp: compile(term),
    runs: spellings(term.pattern.nodes) ?? [requiredRun(term.pattern.nodes)],
  }));
  // A term that can match without any fixed letter (only wildcards and optionals) is always tried.
  const always = terms.flatMap((term, index) => (term.runs.includes('') ? [index] : []));
  const automaton = new RunAutomaton(
    terms.flatMap((term, index) => (term.runs.includes('') ? [] : term.runs.map((run) => ({ run, term: index })))),
  );
  const blacklistNormaliser = new Normaliser(blacklistMatcherTransformers);
  const whitelistNormaliser = new Normaliser(whitelistMatcherTransformers);
  const whitelistAutomaton = new RunAutomaton(whitelistedTerms.map((run, term) => ({ run, term })));
  const seen = new Uint8Array(terms.length);
  const markSeen = (term: number) => {
    seen[term] = 1;
  };

  /**
   * The original-text interval each whitelisted term covers (obscenity's getWhitelistedIntervals):
   * the automaton reports every occurrence; like obscenity's indexOf loop, an occurrence that
   * overlaps the previous one kept for the same term is skipped.
   */
  function whitelistedIntervals(text: string): [number, number][] {
    const { units, origin, length } = whitelistNormaliser.run(text);
    const nextFree = new Int32Array(whitelistedTerms.length);
    const intervals: [number, number][] = [];
    whitelistAutomaton.scan(units, length, (term, end) => {
      const start = end - whitelistedTerms[term]!.length + 1;
      if (start < nextFree[term]!) return;
      nextFree[term] = end + 1;
      intervals.push([origin[start]!, endIndex(text, origin[end]!)]);
    });
    return intervals.sort((a, b) => (a[0] < b[0] ? -1 : b[0] < a[0] ? 1 : 0));
  }

  return {
    getAllMatches(text) {
      seen.fill(0);
      for (const index of always) seen[index] = 1;
      const { units, origin, length, scanned } = blacklistNormaliser.run(text, automaton, markSeen);
      if (!scanned) automaton.scan(units, length, markSeen);
      if (seen.indexOf(1) === -1) return [];
      const transformed = unitsToString(units, length);
      const matches: MatchPayload[] = [];
      for (let index = 0; index < terms.length; index++) {
        if (seen[index] === 0) continue;
        const term = terms[index]!;
        for (const match of transformed.matchAll(term.regExp)) {
          matches.push({
            termId: term.id,
            startIndex: origin[match.index]!,
            endIndex: endIndex(text, origin[match.index + match[0].length - 1]!),
            matchLength: [...match[0]].length,
          });
        }
      }
      if (matches.length === 0) return matches;
      const whitelisted = whitelistedTerms.length > 0 ? whitelistedIntervals(text) : [];
      const kept = matches.filter((match) => !covered(whitelisted, match.startIndex, match.endIndex));
      return kept.sort(compareMatchByPositionAndId);
    },
  };
}

/** Inclusive end index, moved onto the low half when it landed on a surrogate pair's high half. */
function endIndex(text: string, end: number): number {
  if (end < text.length - 1) {
    const high = text.charCodeAt(end);
    const low = text.charCodeAt(end + 1);
    if (high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) return end + 1;
  }
  return end;
}

/** Whether one interval (sorted by start) fully contains [start, end] (IntervalCollection.query). */
function covered(intervals: [number, number][], start: number, end: number): boolean {
  for (const [low, high] of intervals) {
    if (low > start) break;
    if (end <= high) return true;
  }
  return false;
}
