/** What the moderation subgraph asks a classifier to judge, and what it gets back. No GraphQL types. */

export type TextContentType = 'MESSAGE' | 'COMPANION' | 'USER_PROFILE';
export type MediaContentType = 'IMAGE' | 'AUDIO' | 'VIDEO';
export type ContentType = TextContentType | MediaContentType;

export interface MessageContent {
  type: 'MESSAGE';
  /** A user's message or a companion's reply. */
  text: string;
}

export interface CompanionContent {
  type: 'COMPANION';
  name: string;
  description: string;
  /** The persona text, or the companion's personality traits. */
  persona: string | readonly string[];
}

export interface UserProfileContent {
  type: 'USER_PROFILE';
  displayName: string;
  bio?: string | null;
}

/** A reference to an uploaded file; `bytes` when the caller has them (magic bytes, hash, remote image checks). */
export interface MediaContent {
  type: MediaContentType;
  url: string;
  mimeType: string;
  sizeBytes: number;
  /** Lowercase or uppercase hex, 64 digits. */
  sha256: string;
  bytes?: Uint8Array;
}

export type ModerationContent = MessageContent | CompanionContent | UserProfileContent | MediaContent;

export type ProviderName = 'local' | 'azure' | 'openai';

export interface CategoryScore {
  /** e.g. `profanity`, `hate`, `spam`, `Sexual` (Azure), `harassment` (OpenAI). */
  category: string;
  /** How unsafe, in [0,1]: 0 = nothing found, 1 = certainly unsafe. */
  score: number;
}

export interface Classification {
  /** Safety confidence in [0,1]: 1 = certainly safe. Compared with the thresholds by `decide`. */
  confidence: number;
  categories: CategoryScore[];
  /** Who judged the content. */
  provider: ProviderName;
  /** True when the configured remote provider failed and the local classifier answered instead. */
  fallback: boolean;
  /** Why the remote provider was not used (`timeout`, `http_503`, `malformed`, …); only with `fallback`. */
  fallbackReason?: string;
  /** Human-readable findings, for the moderator and the logs (never the content itself). */
  reasons: string[];
  /** False when no configured classifier could judge the content: it must go to a human. */
  judged: boolean;
  latencyMs: number;
}

export type Decision = 'APPROVE' | 'REJECT' | 'REVIEW';

export interface Thresholds {
  /** Confidence at or above which content is approved automatically. */
  autoApprove: number;
  /** Confidence below which content is rejected automatically. */
  autoReject: number;
}

/** One classifier behind the common interface; the façade adds fallback, thresholds and media checks. */
export interface Classifier {
  readonly name: ProviderName;
  classify(content: ModerationContent, signal?: AbortSignal): Promise<Classification>;
}
