import { classesAt, LETTER, NUMBER, PAIR, UnitReader } from './char-classes.js';

const reader = new UnitReader();

/**
 * Single letters split by separators ("f.u.c.k", "p u t a i n"): at least three letters, each
 * standing alone. The preset leaves obscenity's skip-non-alphabetic transformer off because it
 * glues ordinary words together ("an al…"); squashing only these runs keeps that benefit.
 */
export const SPACED_LETTERS = /(?<![\p{L}\p{N}])\p{L}(?:[^\p{L}\p{N}\n]{1,3}\p{L}(?![\p{L}\p{N}])){2,}/gu;
export const NON_LETTERS = /[^\p{L}]+/gu;

/**
 * False only when SPACED_LETTERS cannot match, in one pass over the code points: a match is three
 * or more letters that each stand alone (no letter or digit on either side), every two separated
 * by one to three characters that are neither letters, digits nor line breaks. Most texts have no
 * such chain, and the regular expression (lookbehind and Unicode classes at every position) is
 * then skipped.
 */
export function mayHaveSpacedLetters(text: string): boolean {
  const units = reader.load(text);
  let chain = 0;
  let gap = 0;
  let previousInWord = false;
  // The previous code point was a letter after no letter or digit: it stands alone unless the
  // current one is a letter or digit.
  let candidate = false;
  for (let i = 0; i < text.length; i++) {
    const unit = units[i]!;
    const classes = classesAt(text, units, i);
    if (classes & PAIR) i++;
    const inWord = (classes & (LETTER | NUMBER)) !== 0;
    if (candidate) {
      candidate = false;
      if (inWord) chain = 0;
      else {
        chain = chain > 0 && gap >= 1 && gap <= 3 ? chain + 1 : 1;
        if (chain >= 3) return true;
        gap = 0;
      }
    }
    if (classes & LETTER) {
      if (previousInWord) chain = 0;
      else candidate = true;
    } else if (classes & NUMBER || unit === 10) chain = 0;
    else if (chain > 0 && ++gap > 3) chain = 0;
    previousInWord = inWord;
  }
  return candidate && chain > 0 && gap >= 1 && gap <= 3 && chain + 1 >= 3;
}
