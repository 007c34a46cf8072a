import { decideClassification } from './decide.js';
import { createLocalClassifier, type LocalClassifier } from './local-classifier.js';
import type { Decision, Thresholds } from './types.js';

/** A synchronous verdict on one chat text, before (user message) or after (companion reply) the model. */
export interface TextCheck {
  decision: Decision;
  confidence: number;
  reasons: string[];
}

/**
 * The local classifier with fixed thresholds, for a caller that must decide in-line (well under a
 * millisecond on 4,000 characters). It never calls a remote provider: the moderation subgraph
 * still classifies the same content with whatever provider it is configured with.
 */
export class TextChecker {
  private readonly classifier: LocalClassifier;

  constructor(private readonly thresholds: Thresholds) {
    this.classifier = createLocalClassifier();
  }

  checkMessage(text: string): TextCheck {
    const result = this.classifier.classifyText(text, 'MESSAGE');
    return {
      decision: decideClassification({ ...result, latencyMs: 0 }, this.thresholds),
      confidence: result.confidence,
      reasons: result.reasons,
    };
  }
}
