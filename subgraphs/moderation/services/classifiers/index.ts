export * from '../../../../platform/content-safety/types.js';
export { decide, decideClassification, DEFAULT_THRESHOLDS } from '../../../../platform/content-safety/decide.js';
export { classifierEnv, classifierSchema, parseClassifierSettings, type ClassifierSettings } from './settings.js';
export {
  createModerationClassifier,
  type ModerationClassifier,
  type ModerationVerdict,
} from './moderation-classifier.js';
export { createLocalClassifier, type LocalClassifier } from '../../../../platform/content-safety/local-classifier.js';
export { createAzureClassifier, severityScore } from './azure-classifier.js';
export { createOpenAiClassifier } from './openai-classifier.js';
export { ProviderError } from './provider-error.js';
