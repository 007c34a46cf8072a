/**
 * Character classes of the regular expressions the local rules used to run over whole texts
 * (`\p{L}`, `\p{N}`, `\s`), looked up by code point instead. Each class is computed once by the
 * regular expression itself, so the table cannot disagree with it, and then cached: a scan over
 * 4,000 characters is one array read per character rather than a regular expression step.
 */

export const LETTER = 1;
export const NUMBER = 2;
/** JavaScript's `\s` (whitespace and line terminators). */
export const SPACE = 4;
const KNOWN = 128;

/**
 * Classes of each UTF-16 unit, filled on first use (0: not looked up yet). Hot loops read it
 * directly and call `classesOf` only on a 0 or a surrogate.
 */
export const bmp = new Uint8Array(0x10000);
const astral = new Map<number, number>();

function compute(codePoint: number): number {
  const char = String.fromCodePoint(codePoint);
  return (
    KNOWN | (/\p{L}/u.test(char) ? LETTER : 0) | (/\p{N}/u.test(char) ? NUMBER : 0) | (/\s/u.test(char) ? SPACE : 0)
  );
}

/** The classes of one code point (a lone surrogate is none of them). */
export function classesOf(codePoint: number): number {
  if (codePoint < 0x10000) {
    let classes = bmp[codePoint]!;
    if (classes === 0) classes = bmp[codePoint] = compute(codePoint);
    return classes;
  }
  let classes = astral.get(codePoint);
  if (classes === undefined) astral.set(codePoint, (classes = compute(codePoint)));
  return classes;
}

/** The code point at `index` (a surrogate pair read whole; a lone surrogate as itself). */
export function codePointAt(text: string, index: number): number {
  const unit = text.charCodeAt(index);
  if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
    const next = text.charCodeAt(index + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return (unit - 0xd800) * 0x400 + (next - 0xdc00) + 0x10000;
  }
  return unit;
}

/** Set in what `classesAt` returns when the code point spans two units (a surrogate pair). */
export const PAIR = 256;

/**
 * The classes of the code point starting at `units[index]` (the text's units from a
 * `UnitReader`), with PAIR when the caller must skip a second unit. The table read comes first
 * and the function stays small, so V8 inlines it into the hot loops.
 */
export function classesAt(text: string, units: Uint16Array, index: number): number {
  const unit = units[index]!;
  const classes = bmp[unit]!;
  if (classes !== 0 && (unit < 0xd800 || unit > 0xdfff)) return classes;
  const codePoint = codePointAt(text, index);
  return classesOf(codePoint) | (codePoint > 0xffff ? PAIR : 0);
}

/** Whether a UTF-16 unit is JavaScript whitespace (`\s` holds no astral characters). */
export function isSpaceUnit(unit: number): boolean {
  return (classesOf(unit) & SPACE) !== 0;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A text's UTF-16 units in a reused typed array (valid until the next `load` on the same reader),
 * copied natively. Hot loops read these instead of calling `charCodeAt`: once a library in the
 * process (ioredis does, and every subgraph loads it) invalidates one of V8's string protectors,
 * `charCodeAt` in a loop gets several times slower, while typed-array reads do not.
 */
export class UnitReader {
  private units = new Uint16Array(0);
  private bytes = Buffer.alloc(0);

  load(text: string): Uint16Array {
    if (this.units.length < text.length) {
      this.units = new Uint16Array(Math.max(1024, text.length * 2));
      this.bytes = Buffer.from(this.units.buffer);
    }
    if (LITTLE_ENDIAN) this.bytes.write(text, 0, 'utf16le');
    else for (let i = 0; i < text.length; i++) this.units[i] = text.charCodeAt(i);
    return this.units;
  }
}
