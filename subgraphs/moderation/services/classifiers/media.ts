import { acceptedTypes, canonicalMimeType, sniff } from './magic-bytes.js';
import type { CategoryScore, MediaContent } from '../../../../platform/content-safety/types.js';

export interface MediaPolicy {
  maxBytes: number;
  /** Lowercase hex SHA-256 of files rejected on sight. */
  blocklist: ReadonlySet<string>;
}

export type MediaCheck =
  /** Rejected before any classifier: blocklisted, too large, not the type it claims, or corrupt. */
  | { ok: false; category: CategoryScore; reasons: string[] }
  /** Fit to be classified, as `mimeType` (the sniffed type when the bytes were available). */
  | { ok: true; mimeType: string; reasons: string[] };

const reject = (category: string, reason: string): MediaCheck => ({
  ok: false,
  category: { category, score: 1 },
  reasons: [`${category}: ${reason}`],
});

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // WebCrypto hashes off the main thread: a 25 MB video does not stall the event loop.
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Buffer.from(digest).toString('hex');
}

/**
 * The checks every media reference passes before a classifier sees it, cheapest first:
 * blocklist (declared hash), size, accepted type; then, with the bytes, the real hash against the
 * blocklist and the declared one, the real size, and the type by magic bytes.
 */
export async function checkMedia(content: MediaContent, policy: MediaPolicy): Promise<MediaCheck> {
  const declaredHash = content.sha256.toLowerCase();
  if (policy.blocklist.has(declaredHash)) return reject('blocklist', 'the file is on the SHA-256 blocklist');
  if (content.sizeBytes > policy.maxBytes) {
    return reject('size', `${content.sizeBytes} bytes, over the ${policy.maxBytes}-byte limit`);
  }
  const declaredType = canonicalMimeType(content.mimeType);
  const accepted = acceptedTypes(content.type);
  if (!accepted.includes(declaredType)) {
    return reject('media-type', `${content.mimeType} is not an accepted ${content.type} type (${accepted.join(', ')})`);
  }
  if (!content.bytes) {
    return {
      ok: true,
      mimeType: declaredType,
      reasons: ['media: bytes not available, type and hash taken as declared'],
    };
  }

  const { bytes } = content;
  const actualHash = await sha256Hex(bytes);
  if (policy.blocklist.has(actualHash)) return reject('blocklist', 'the file is on the SHA-256 blocklist');
  if (actualHash !== declaredHash) return reject('integrity', 'the bytes do not match the declared SHA-256');
  if (bytes.length !== content.sizeBytes) {
    return reject('integrity', `declared ${content.sizeBytes} bytes, got ${bytes.length}`);
  }
  if (bytes.length > policy.maxBytes)
    return reject('size', `${bytes.length} bytes, over the ${policy.maxBytes}-byte limit`);

  const sniffed = sniff(bytes, declaredType, content.type);
  if (!sniffed) return reject('media-type', `the bytes are not any accepted type (declared ${content.mimeType})`);
  if (sniffed.kind !== content.type) {
    return reject('media-type', `the bytes are ${sniffed.mimeType}, not ${content.type} content`);
  }
  const reasons =
    sniffed.mimeType === declaredType ? [] : [`media: declared ${content.mimeType}, the bytes are ${sniffed.mimeType}`];
  return { ok: true, mimeType: sniffed.mimeType, reasons };
}
