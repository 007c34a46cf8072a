import { badInput } from '../errors.js';
import type { MediaContent, ModerationContent, TextContentType } from './types.js';

const SHA256 = /^[0-9a-f]{64}$/i;
const MIME = /^[a-z]+\/[a-z0-9.+-]+$/i;
const MEDIA_TYPES = new Set(['IMAGE', 'AUDIO', 'VIDEO']);

export function isMedia(content: ModerationContent): content is MediaContent {
  return MEDIA_TYPES.has(content.type);
}

const isString = (value: unknown): value is string => typeof value === 'string';

/**
 * Checks the shape of what the caller sent (it may come from an event or an API): a clear
 * BAD_USER_INPUT naming the field, never a crash further down.
 */
export function assertValidContent(content: unknown): asserts content is ModerationContent {
  if (typeof content !== 'object' || content === null)
    throw badInput('content must be an object', 'content', 'INVALID');
  const value = content as Record<string, unknown>;
  switch (value.type) {
    case 'MESSAGE':
      if (!isString(value.text)) throw badInput('a MESSAGE needs text', 'text', 'REQUIRED');
      return;
    case 'COMPANION':
      if (!isString(value.name)) throw badInput('a COMPANION needs a name', 'name', 'REQUIRED');
      if (!isString(value.description)) throw badInput('a COMPANION needs a description', 'description', 'REQUIRED');
      if (!isString(value.persona) && !(Array.isArray(value.persona) && value.persona.every(isString))) {
        throw badInput('persona must be a string or a list of strings', 'persona', 'INVALID');
      }
      return;
    case 'USER_PROFILE':
      if (!isString(value.displayName)) throw badInput('a USER_PROFILE needs a displayName', 'displayName', 'REQUIRED');
      if (value.bio !== undefined && value.bio !== null && !isString(value.bio)) {
        throw badInput('bio must be a string', 'bio', 'INVALID');
      }
      return;
    case 'IMAGE':
    case 'AUDIO':
    case 'VIDEO': {
      if (!isString(value.url) || !isHttpUrl(value.url))
        throw badInput('url must be an http(s) URL', 'url', 'INVALID_URL');
      if (!isString(value.mimeType) || !MIME.test(value.mimeType)) {
        throw badInput('mimeType must look like type/subtype', 'mimeType', 'INVALID_MIME_TYPE');
      }
      if (typeof value.sizeBytes !== 'number' || !Number.isSafeInteger(value.sizeBytes) || value.sizeBytes < 0) {
        throw badInput('sizeBytes must be a whole number ≥ 0', 'sizeBytes', 'INVALID_SIZE');
      }
      if (!isString(value.sha256) || !SHA256.test(value.sha256)) {
        throw badInput('sha256 must be 64 hexadecimal digits', 'sha256', 'INVALID_SHA256');
      }
      if (value.bytes !== undefined && !(value.bytes instanceof Uint8Array)) {
        throw badInput('bytes must be binary data', 'bytes', 'INVALID');
      }
      return;
    }
    default:
      throw badInput(
        'type must be MESSAGE, COMPANION, USER_PROFILE, IMAGE, AUDIO or VIDEO',
        'type',
        'UNKNOWN_CONTENT_TYPE',
      );
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** The text a classifier reads for a text content type: every user-written field, one per line. */
export function textOf(content: Exclude<ModerationContent, MediaContent>): string {
  switch (content.type) {
    case 'MESSAGE':
      return content.text;
    case 'COMPANION': {
      const persona = typeof content.persona === 'string' ? content.persona : content.persona.join(', ');
      return [content.name, content.description, persona].filter(Boolean).join('\n');
    }
    case 'USER_PROFILE':
      return [content.displayName, content.bio ?? ''].filter(Boolean).join('\n');
  }
}

export type { TextContentType };
