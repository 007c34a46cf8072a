/** The content-safety rules every service may apply in-line: the local classifier and the decision bands. */
export * from './types.js';
export { assertValidContent, isMedia, textOf } from './content.js';
export { clamp01, confidenceFrom, decide, decideClassification, DEFAULT_THRESHOLDS } from './decide.js';
export {
  createLocalClassifier,
  DEFAULT_LENGTH_LIMITS,
  lexicalScore,
  type LocalClassifier,
  type LocalClassifierOptions,
} from './local-classifier.js';
export { readThresholds } from './thresholds.js';
export { TextChecker, type TextCheck } from './text-check.js';
