import { createHash } from 'node:crypto';
import type { MediaContent, MediaContentType } from '../../../../../platform/content-safety/types.js';

/** Test data: the first bytes of a real file of each accepted type, padded, and references to them. */
export const bytesOf = (...parts: (number[] | string)[]) =>
  Uint8Array.from(parts.flatMap((part) => (typeof part === 'string' ? [...Buffer.from(part, 'latin1')] : part)));
export const pad = (n = 32) => Array.from({ length: n }, (_, i) => (i * 37) & 0xff);

export const SAMPLES: Record<string, Uint8Array> = {
  'image/png': bytesOf([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], pad()),
  'image/jpeg': bytesOf([0xff, 0xd8, 0xff, 0xe0], pad()),
  'image/gif': bytesOf('GIF89a', pad()),
  'image/webp': bytesOf('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 ', pad()),
  'audio/mpeg': bytesOf('ID3', [4, 0, 0], pad()),
  'audio/ogg': bytesOf('OggS', [0, 2], pad()),
  'audio/wav': bytesOf('RIFF', [0x24, 0, 0, 0], 'WAVEfmt ', pad()),
  'video/mp4': bytesOf([0, 0, 0, 0x18], 'ftypisom', pad()),
  'video/webm': bytesOf([0x1a, 0x45, 0xdf, 0xa3], pad()),
};

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
export const kindOf = (mime: string): MediaContentType =>
  mime.startsWith('image/') ? 'IMAGE' : mime.startsWith('audio/') ? 'AUDIO' : 'VIDEO';

/** A consistent reference (size and hash computed) with the bytes attached. */
export const media = (
  type: MediaContentType,
  mimeType: string,
  bytes: Uint8Array,
  overrides: Partial<MediaContent> = {},
): MediaContent => ({
  type,
  url: 'https://cdn.example/file',
  mimeType,
  sizeBytes: bytes.length,
  sha256: sha256(bytes),
  bytes,
  ...overrides,
});
