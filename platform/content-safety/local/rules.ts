import { classesAt, isSpaceUnit, LETTER, NUMBER, PAIR, UnitReader } from './char-classes.js';

/**
 * The local classifier's non-lexical rules: spam (links, repeated URLs, promotional phrases),
 * repetition floods (characters, short sequences, words, lines) and length. Each returns a score in
 * [0,1] (how unsafe) and the reasons behind it. All are single passes or linear regular
 * expressions: the whole local classifier has to stay well under a millisecond on 4,000 characters.
 */

export interface RuleResult {
  score: number;
  reasons: string[];
}

const NONE: RuleResult = { score: 0, reasons: [] };

// Scheme or www. links, and bare domains on common (and commonly abused) top-level domains.
const URL_PATTERN =
  /\b(?:https?:\/\/[^\s<>"'()]+|www\.[^\s<>"'()]+|[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63})*\.(?:com|net|org|io|co|me|ly|gg|tk|xyz|top|ru|cn|info|biz|click|link|shop|store|site|online|live|fr|de|uk|app|dev)\b(?:\/[^\s<>"'()]*)?)/gi;
/** Every URL_PATTERN match holds one of these (a scheme, `www.`, or a dot before a top-level domain). */
const URL_HINTS = /https?:|www\.|\.[a-z]/gi;
const SHORTENERS =
  /^(?:https?:\/\/)?(?:www\.)?(?:bit\.ly|tinyurl\.com|t\.co|goo\.gl|is\.gd|ow\.ly|cutt\.ly|rb\.gy|shorturl\.at)\//i;

/** Promotional and solicitation phrases, English then French; each distinct one found counts once. */
const PROMOTIONAL: readonly { name: string; pattern: RegExp }[] = [
  { name: 'buy now', pattern: /\b(?:buy|order|shop) now\b/i },
  { name: 'click here', pattern: /\bclick (?:here|the link|this link|below)\b/i },
  { name: 'limited offer', pattern: /\b(?:limited|special|exclusive)(?: time)? (?:offer|deal)\b/i },
  {
    name: 'free stuff',
    pattern: /\bfree (?:money|gifts?|followers|likes|crypto|bitcoin|iphone|robux|v-?bucks|trial|nudes)\b/i,
  },
  { name: 'promo code', pattern: /\b(?:promo|discount|coupon|referral) code\b/i },
  { name: 'percent off', pattern: /\b\d{1,2}\s?% off\b/i },
  {
    name: 'easy money',
    pattern:
      /\b(?:earn|make|making|win) (?:\$|€)?\d[\d,.]*\s?(?:k\b)?\s?(?:\$|€|usd|dollars|euros?)?\s?(?:a|per|\/)\s?(?:day|week|hour)\b/i,
  },
  { name: 'crypto scheme', pattern: /\b(?:crypto|bitcoin|forex|nft) (?:investment|trading|signals|giveaway)\b/i },
  {
    name: 'follow me',
    pattern: /\b(?:follow me on|subscribe to my|check out my (?:channel|profile|page|onlyfans))\b/i,
  },
  {
    name: 'off-platform contact',
    pattern: /\b(?:add|text|contact|dm) me on (?:whatsapp|telegram|snapchat|kik|instagram)\b/i,
  },
  { name: 'onlyfans', pattern: /\bonlyfans\b/i },
  { name: 'cliquez ici', pattern: /\bclique[rz]? (?:ici|sur le lien)\b/i },
  { name: 'offre limitée', pattern: /\boffre (?:limit|sp[ée]ciale|exceptionnelle)/i },
  { name: 'code promo', pattern: /\bcode (?:promo|de r[ée]duction|parrainage)\b/i },
  { name: 'achetez maintenant', pattern: /\b(?:achetez|commandez) (?:maintenant|vite|d[èe]s maintenant)\b/i },
  { name: 'gratuit', pattern: /\b(?:argent|cadeaux?|abonn[ée]s|followers|iphone) gratuits?\b/i },
  { name: 'gagnez', pattern: /\bgagne[rz]? (?:de l'argent|\d[\d\s.,]*\s?(?:€|euros?))/i },
  { name: 'suivez-moi', pattern: /\b(?:suivez|abonnez)[- ](?:moi|vous)\b/i },
];

/**
 * Matches wherever one of PROMOTIONAL does. One global scan of it visits every position where some
 * phrase starts; only there are the phrases tried, anchored (sticky), instead of eighteen scans of
 * the whole text.
 */
const ANY_PROMOTIONAL = anyOf(PROMOTIONAL.map(({ pattern }) => pattern.source));

/**
 * The union of the phrases, with their common leading `\b` taken out of the alternation: the same
 * matches, and V8 checks the boundary once per position instead of once per phrase (half the time).
 */
function anyOf(sources: string[]): RegExp {
  if (!sources.every((source) => source.startsWith('\\b'))) {
    return new RegExp(sources.map((source) => `(?:${source})`).join('|'), 'gi');
  }
  return new RegExp(`\\b(?:${sources.map((source) => `(?:${source.slice(2)})`).join('|')})`, 'gi');
}
const PROMOTIONAL_AT = PROMOTIONAL.map(({ pattern }) => new RegExp(pattern.source, 'iy'));

/** The names of the PROMOTIONAL phrases found in `text`, in PROMOTIONAL's order. */
function promotionalIn(text: string): string[] {
  const found = new Uint8Array(PROMOTIONAL.length);
  let missing = PROMOTIONAL.length;
  ANY_PROMOTIONAL.lastIndex = 0;
  let match: RegExpExecArray | null;
  while (missing > 0 && (match = ANY_PROMOTIONAL.exec(text)) !== null) {
    for (let rule = 0; rule < PROMOTIONAL_AT.length; rule++) {
      if (found[rule]) continue;
      const anchored = PROMOTIONAL_AT[rule]!;
      anchored.lastIndex = match.index;
      if (anchored.test(text)) {
        found[rule] = 1;
        missing--;
      }
    }
    // Next position, not the match's end: another phrase may start inside this one.
    ANY_PROMOTIONAL.lastIndex = match.index + 1;
  }
  return PROMOTIONAL.flatMap((rule, index) => (found[index] ? [rule.name] : []));
}

/**
 * URL_PATTERN's matches, found only in the whitespace-free runs that hold a URL_HINT: a match
 * never spans whitespace and always holds a hint, and whitespace and the text's ends are the same
 * to `\b`, so scanning those runs alone gives the whole scan's matches.
 */
function urlsIn(text: string): string[] {
  const urls: string[] = [];
  URL_HINTS.lastIndex = 0;
  let hint: RegExpExecArray | null;
  while ((hint = URL_HINTS.exec(text)) !== null) {
    let start = hint.index;
    while (start > 0 && !isSpaceUnit(text.charCodeAt(start - 1))) start--;
    let end = hint.index + hint[0].length;
    while (end < text.length && !isSpaceUnit(text.charCodeAt(end))) end++;
    for (const url of text.slice(start, end).match(URL_PATTERN) ?? []) urls.push(url);
    URL_HINTS.lastIndex = end;
  }
  return urls;
}

/** Links, the same link repeated, link shorteners and promotional phrases. */
export function spamRule(text: string): RuleResult {
  const reasons: string[] = [];
  let score = 0;

  const urls = urlsIn(text);
  if (urls.length > 0) {
    const counts = new Map<string, number>();
    let shortened = 0;
    for (const url of urls) {
      const key = url
        .toLowerCase()
        .replace(/^https?:\/\//, '')
        .replace(/^www\./, '')
        .replace(/[/.,;:!?]+$/, '');
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (SHORTENERS.test(url)) shortened++;
    }
    let mostRepeated = 0;
    for (const count of counts.values()) if (count > mostRepeated) mostRepeated = count;
    // One or two links are ordinary; many links, or one link pasted again and again, are not.
    if (urls.length >= 3) {
      score = Math.max(score, Math.min(0.6, 0.3 + 0.1 * (urls.length - 3)));
      reasons.push(`${urls.length} links`);
    }
    if (mostRepeated >= 2) {
      score = Math.max(score, mostRepeated >= 3 ? 0.75 : 0.45);
      reasons.push(`the same link ${mostRepeated} times`);
    }
    if (shortened > 0) {
      score += 0.15;
      reasons.push('link shortener');
    }
  }

  const promotional = promotionalIn(text);
  if (promotional.length > 0) {
    score += 0.2 + 0.15 * (promotional.length - 1) + (urls.length > 0 ? 0.2 : 0);
    reasons.push(`promotional: ${promotional.join(', ')}${urls.length > 0 ? ' (with a link)' : ''}`);
  }
  return score > 0 ? { score: Math.min(0.95, score), reasons } : NONE;
}

/** Score for a flood of `size` units against the thresholds [review-ish, worse, reject-level]. */
function floodScore(size: number, [low, mid, high, extreme]: readonly [number, number, number, number]): number {
  if (size >= extreme) return 0.8;
  if (size >= high) return 0.6;
  if (size >= mid) return 0.4;
  if (size >= low) return 0.2;
  return 0;
}

// 2–4 characters repeated at least 8 times in a row: hahahaha…, lolololol…, !?!?!?…
const SEQUENCE_RUN = /(\S{2,4}?)\1{7,}/g;
const APOSTROPHE = 0x27;

const scanReader = new UnitReader();
const wordReader = new UnitReader();

/** Word bounds, [start, end) pairs, reused from call to call (valid until the next one). */
let wordBounds = new Int32Array(1024);

/** The runs `/[\p{L}\p{N}']+/gu` would match in `text`, as bounds. */
function wordsOf(text: string): { bounds: Int32Array; count: number; units: Uint16Array } {
  const units = wordReader.load(text);
  let count = 0;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const at = i;
    const unit = units[i]!;
    const classes = classesAt(text, units, i);
    if (classes & PAIR) i++;
    const inWord = unit === APOSTROPHE || (classes & (LETTER | NUMBER)) !== 0;
    if (inWord) {
      if (start === -1) start = at;
    } else if (start !== -1) {
      count = addWord(count, start, at);
      start = -1;
    }
  }
  if (start !== -1) count = addWord(count, start, text.length);
  return { bounds: wordBounds, count, units };
}

function addWord(count: number, start: number, end: number): number {
  if (wordBounds.length < 2 * count + 2) {
    const grown = new Int32Array(wordBounds.length * 2);
    grown.set(wordBounds);
    wordBounds = grown;
  }
  wordBounds[2 * count] = start;
  wordBounds[2 * count + 1] = end;
  return count + 1;
}

/** Whether text[aStart, aEnd) equals text[bStart, bEnd), without slicing. */
function sameSlice(units: Uint16Array, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = 0; i < aEnd - aStart; i++) if (units[aStart + i] !== units[bStart + i]) return false;
  return true;
}

/** What one pass over the UTF-16 units finds for the repetition and length rules. */
interface UnitScan {
  /** Longest run of one non-space character. */
  longest: number;
  /** Where a sequence flood may be: [start, end) pairs (see repetitionFrom). */
  windows: number[];
  /** Longest run without a space, tab or line break. */
  longestToken: number;
}

function scanUnits(text: string): UnitScan {
  // Longest run of one non-space character; alongside, the longest stretch where each character
  // equals the one 2, 3 or 4 places before it (text[i] === text[i - k]).
  let longest = 1;
  let run = 1;
  let periodic2 = 0;
  let periodic3 = 0;
  let periodic4 = 0;
  // Stretches of flagged positions, each widened 31 characters back (see below), merged when they
  // touch: [start, end) pairs.
  const windows: number[] = [];
  let lastFlagged = -2;
  const units = scanReader.load(text);
  let back1 = text.length > 0 ? units[0]! : NaN;
  let back2 = -1;
  let back3 = -1;
  let back4 = -1;
  let token = text.length === 0 || isBreak(back1) ? 0 : 1;
  let longestToken = token;
  for (let i = 1; i < text.length; i++) {
    const code = units[i]!;
    if (isBreak(code)) token = 0;
    else if (++token > longestToken) longestToken = token;
    if (code === back1 && code !== 32 && code !== 10) {
      if (++run > longest) longest = run;
    } else run = 1;
    periodic2 = code === back2 ? periodic2 + 1 : 0;
    periodic3 = code === back3 ? periodic3 + 1 : 0;
    periodic4 = code === back4 ? periodic4 + 1 : 0;
    if (periodic2 >= 14 || periodic3 >= 21 || periodic4 >= 28) {
      if (lastFlagged === i - 1) windows[windows.length - 1] = i + 1;
      else {
        const from = Math.max(0, i - 31);
        if (windows.length > 0 && from <= windows[windows.length - 1]!) windows[windows.length - 1] = i + 1;
        else windows.push(from, i + 1);
      }
      lastFlagged = i;
    }
    back4 = back3;
    back3 = back2;
    back2 = back1;
    back1 = code;
  }
  return { longest, windows, longestToken };
}

/** Space, line feed, tab, carriage return: what ends a token for the length rule. */
function isBreak(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13;
}

/** Floods: one character, a short sequence, one word, or one line, over and over. */
export function repetitionRule(text: string): RuleResult {
  return repetitionFrom(text, scanUnits(text));
}

/** The repetition and length rules from one pass over the text (what the classifier calls). */
export function repetitionAndLengthRules(
  text: string,
  limits: LengthLimits,
): { repetition: RuleResult; length: RuleResult } {
  const scan = scanUnits(text);
  return { repetition: repetitionFrom(text, scan), length: lengthFrom(text, scan.longestToken, limits) };
}

function repetitionFrom(text: string, { longest, windows }: UnitScan): RuleResult {
  const reasons: string[] = [];
  let score = 0;
  const note = (value: number, reason: string) => {
    if (value <= 0) return;
    score = Math.max(score, value);
    reasons.push(reason);
  };

  note(floodScore(longest, [12, 30, 80, 200]), `a character repeated ${longest} times`);

  // A SEQUENCE_RUN match (a unit of k = 2–4 characters, 8 times or more) ends on a flagged
  // position, and its flagged positions (from its (8k)th character on) are one stretch: the match
  // lies within that stretch widened 31 characters back. The regular expression gives the same
  // match at any position of a window as on the whole text, so it only reads the windows, if any.
  let longestSequence = 0;
  for (let w = 0; w < windows.length; w += 2) {
    for (const match of text.slice(windows[w], windows[w + 1]).matchAll(SEQUENCE_RUN)) {
      if (match[0].length > longestSequence) longestSequence = match[0].length;
    }
  }
  note(floodScore(longestSequence, [24, 60, 160, 400]), `a short sequence repeated over ${longestSequence} characters`);

  // Words (WORD's runs of the lowercased text): the same word many times in a row, or very few
  // distinct words in a long text. Found by code point, compared in place; only the distinct count
  // makes strings.
  const lower = text.toLowerCase();
  const words = wordsOf(lower);
  let wordRun = 1;
  let longestWordRun = words.count > 0 ? 1 : 0;
  const { bounds, count } = words;
  for (let i = 1; i < count; i++) {
    if (sameSlice(words.units, bounds[2 * i - 2]!, bounds[2 * i - 1]!, bounds[2 * i]!, bounds[2 * i + 1]!)) {
      if (++wordRun > longestWordRun) longestWordRun = wordRun;
    } else wordRun = 1;
  }
  note(floodScore(longestWordRun, [5, 10, 25, 60]), `a word repeated ${longestWordRun} times in a row`);
  if (count >= 40) {
    // Distinct words only matter below 15 % of 40 or more; once there are that many, stop counting.
    const distinct = new Set<string>();
    for (let i = 0; i < count; i++) {
      distinct.add(lower.slice(bounds[2 * i], bounds[2 * i + 1]));
      if (distinct.size / count >= 0.15) break;
    }
    if (distinct.size / count < 0.15) note(0.4, `${distinct.size} distinct words out of ${count}`);
  }

  // Lines: the same (non-empty) line pasted again and again.
  if (text.includes('\n')) {
    const lines = new Map<string, number>();
    let mostRepeated = 0;
    for (const raw of text.split('\n')) {
      const line = raw.trim().toLowerCase();
      if (!line) continue;
      const count = (lines.get(line) ?? 0) + 1;
      lines.set(line, count);
      if (count > mostRepeated) mostRepeated = count;
    }
    note(floodScore(mostRepeated, [3, 5, 10, 25]), `the same line ${mostRepeated} times`);
  }
  return score > 0 ? { score, reasons } : NONE;
}

export interface LengthLimits {
  /** Longest text accepted without review, in characters (code units). */
  maxChars: number;
  /** Longest run without whitespace that is not a link (base64 blobs, keyboard mashing). */
  maxTokenChars: number;
}

/** Over-long texts and very long unbroken tokens go to a human; they are not unsafe by themselves. */
export function lengthRule(text: string, limits: LengthLimits): RuleResult {
  let token = 0;
  let longest = 0;
  const units = scanReader.load(text);
  for (let i = 0; i < text.length; i++) {
    if (isBreak(units[i]!)) token = 0;
    else if (++token > longest) longest = token;
  }
  return lengthFrom(text, longest, limits);
}

function lengthFrom(text: string, longest: number, limits: LengthLimits): RuleResult {
  const reasons: string[] = [];
  let score = 0;
  if (text.length > limits.maxChars) {
    score = 0.5;
    reasons.push(`${text.length} characters, over the ${limits.maxChars} limit`);
  }
  if (longest > limits.maxTokenChars) {
    const longestToken = (text.match(/\S+/g) ?? []).reduce((a, b) => (b.length > a.length ? b : a), '');
    if (!/^(?:https?:\/\/|www\.)/i.test(longestToken)) {
      score = Math.max(score, 0.3);
      reasons.push(`an unbroken run of ${longest} characters`);
    }
  }
  return score > 0 ? { score, reasons } : NONE;
}
