import type { MediaContentType } from '../../../../platform/content-safety/types.js';

/** A file type we accept, how its first bytes look, and the MIME names it goes by. */
export interface MediaSignature {
  mimeType: string;
  kind: MediaContentType;
  /** Other names clients send for the same type. */
  aliases: readonly string[];
  matches(bytes: Uint8Array): boolean;
}

const ascii = (bytes: Uint8Array, offset: number, text: string) => {
  if (bytes.length < offset + text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[offset + i] !== text.charCodeAt(i)) return false;
  return true;
};
const prefix = (bytes: Uint8Array, expected: readonly number[]) =>
  bytes.length >= expected.length && expected.every((byte, i) => bytes[i] === byte);

/**
 * The magic numbers of the common image, audio and video containers. Order matters only for
 * RIFF (WebP and WAV share it; the form type at offset 8 tells them apart).
 */
export const MEDIA_SIGNATURES: readonly MediaSignature[] = [
  {
    mimeType: 'image/png',
    kind: 'IMAGE',
    aliases: [],
    matches: (b) => prefix(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  },
  {
    mimeType: 'image/jpeg',
    kind: 'IMAGE',
    aliases: ['image/jpg', 'image/pjpeg'],
    matches: (b) => prefix(b, [0xff, 0xd8, 0xff]),
  },
  { mimeType: 'image/gif', kind: 'IMAGE', aliases: [], matches: (b) => ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a') },
  { mimeType: 'image/webp', kind: 'IMAGE', aliases: [], matches: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP') },
  {
    mimeType: 'audio/mpeg',
    kind: 'AUDIO',
    aliases: ['audio/mp3', 'audio/mpeg3', 'audio/x-mp3', 'audio/x-mpeg'],
    // An ID3 tag, or an MPEG audio frame sync (11 bits set) with a real layer (not AAC's 00).
    matches: (b) =>
      ascii(b, 0, 'ID3') || (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0 && ((b[1]! >> 1) & 0x03) !== 0),
  },
  {
    mimeType: 'audio/ogg',
    kind: 'AUDIO',
    aliases: ['application/ogg', 'audio/vorbis', 'audio/opus'],
    matches: (b) => ascii(b, 0, 'OggS'),
  },
  {
    mimeType: 'audio/wav',
    kind: 'AUDIO',
    aliases: ['audio/x-wav', 'audio/wave', 'audio/vnd.wave'],
    matches: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WAVE'),
  },
  // ISO base media (MP4, M4A, M4V, QuickTime-compatible brands): a `ftyp` box first.
  {
    mimeType: 'video/mp4',
    kind: 'VIDEO',
    aliases: ['video/x-m4v', 'video/quicktime'],
    matches: (b) => ascii(b, 4, 'ftyp'),
  },
  {
    mimeType: 'audio/mp4',
    kind: 'AUDIO',
    aliases: ['audio/x-m4a', 'audio/m4a', 'audio/aac'],
    matches: (b) => ascii(b, 4, 'ftyp'),
  },
  { mimeType: 'video/ogg', kind: 'VIDEO', aliases: [], matches: (b) => ascii(b, 0, 'OggS') },
  // EBML header; WebM and Matroska share it, WebM names itself in the DocType.
  {
    mimeType: 'video/webm',
    kind: 'VIDEO',
    aliases: ['video/x-matroska'],
    matches: (b) => prefix(b, [0x1a, 0x45, 0xdf, 0xa3]),
  },
  { mimeType: 'audio/webm', kind: 'AUDIO', aliases: [], matches: (b) => prefix(b, [0x1a, 0x45, 0xdf, 0xa3]) },
];

/** The canonical MIME type for a declared one (lowercase, parameters dropped, aliases resolved). */
export function canonicalMimeType(declared: string): string {
  const bare = declared.split(';')[0]!.trim().toLowerCase();
  return MEDIA_SIGNATURES.find((s) => s.mimeType === bare || s.aliases.includes(bare))?.mimeType ?? bare;
}

/** The accepted types of one kind of content. */
export function acceptedTypes(kind: MediaContentType): string[] {
  return MEDIA_SIGNATURES.filter((s) => s.kind === kind).map((s) => s.mimeType);
}

/**
 * What the bytes are, preferring the declared type when the bytes fit it (OGG, MP4 and WebM
 * containers carry audio or video alike), else the first signature of the expected kind, else any.
 */
export function sniff(bytes: Uint8Array, declared?: string, kind?: MediaContentType): MediaSignature | undefined {
  const fitting = MEDIA_SIGNATURES.filter((s) => s.matches(bytes));
  const canonical = declared ? canonicalMimeType(declared) : undefined;
  return fitting.find((s) => s.mimeType === canonical) ?? fitting.find((s) => s.kind === kind) ?? fitting[0];
}
