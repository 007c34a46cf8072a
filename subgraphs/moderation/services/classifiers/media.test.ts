import { canonicalMimeType, sniff } from './magic-bytes.js';
import { checkMedia, type MediaPolicy } from './media.js';
import { bytesOf, kindOf, media, pad, SAMPLES, sha256 } from './testing/media-samples.js';

const policy = (overrides: Partial<MediaPolicy> = {}): MediaPolicy => ({
  maxBytes: 1_000_000,
  blocklist: new Set(),
  ...overrides,
});

describe('magic bytes', () => {
  test.each(Object.entries(SAMPLES))('%s is recognised by its first bytes', (mime, bytes) => {
    expect(sniff(bytes, mime)?.mimeType).toBe(mime);
    expect(sniff(bytes)?.kind).toBe(kindOf(mime));
  });

  test('an MP3 without an ID3 tag is recognised by its frame sync; AAC and JPEG are not MP3', () => {
    expect(sniff(bytesOf([0xff, 0xfb, 0x90, 0x64], pad()))?.mimeType).toBe('audio/mpeg');
    expect(sniff(bytesOf([0xff, 0xf1, 0x50, 0x80], pad()))).toBeUndefined();
    expect(sniff(SAMPLES['image/jpeg']!)?.mimeType).toBe('image/jpeg');
  });

  test('containers that hold audio or video follow the declared kind', () => {
    expect(sniff(SAMPLES['audio/ogg']!, 'video/ogg', 'VIDEO')?.mimeType).toBe('video/ogg');
    expect(sniff(SAMPLES['video/mp4']!, 'audio/mp4', 'AUDIO')?.mimeType).toBe('audio/mp4');
  });

  test('text, HTML, an executable and too few bytes are no media type', () => {
    for (const bytes of [bytesOf('hello world'), bytesOf('<svg xmlns='), bytesOf('MZ', pad()), bytesOf([0x89, 0x50])]) {
      expect(sniff(bytes)).toBeUndefined();
    }
  });

  test('declared types are normalised: case, parameters and aliases', () => {
    expect(canonicalMimeType('IMAGE/JPG')).toBe('image/jpeg');
    expect(canonicalMimeType('audio/x-wav; codecs=1')).toBe('audio/wav');
    expect(canonicalMimeType('audio/mp3')).toBe('audio/mpeg');
  });
});

describe('media checks', () => {
  test.each(Object.entries(SAMPLES))('a genuine %s passes', async (mime, bytes) => {
    expect(await checkMedia(media(kindOf(mime), mime, bytes), policy())).toEqual({
      ok: true,
      mimeType: mime,
      reasons: [],
    });
  });

  test('a blocklisted hash is rejected at once, declared or computed', async () => {
    const bytes = SAMPLES['image/png']!;
    const blocked = policy({ blocklist: new Set([sha256(bytes)]) });
    const declared = await checkMedia({ ...media('IMAGE', 'image/png', bytes), bytes: undefined }, blocked);
    expect(declared).toEqual({
      ok: false,
      category: { category: 'blocklist', score: 1 },
      reasons: ['blocklist: the file is on the SHA-256 blocklist'],
    });
    // Uppercase declared hash, same file.
    const upper = await checkMedia(
      media('IMAGE', 'image/png', bytes, { sha256: sha256(bytes).toUpperCase() }),
      blocked,
    );
    expect(upper.ok).toBe(false);
    // A lying declared hash does not get a blocklisted file through when the bytes are there.
    const lying = await checkMedia(media('IMAGE', 'image/png', bytes, { sha256: 'f'.repeat(64) }), blocked);
    expect(lying).toMatchObject({ ok: false, category: { category: 'blocklist' } });
  });

  test('over MEDIA_MAX_BYTES is rejected, by the declared or the real size', async () => {
    const bytes = SAMPLES['video/mp4']!;
    const small = policy({ maxBytes: 16 });
    expect(await checkMedia({ ...media('VIDEO', 'video/mp4', bytes), bytes: undefined }, small)).toMatchObject({
      ok: false,
      category: { category: 'size' },
      reasons: [`size: ${bytes.length} bytes, over the 16-byte limit`],
    });
  });

  test('bytes that do not match the declared hash or size are rejected as corrupt', async () => {
    const bytes = SAMPLES['image/gif']!;
    expect(await checkMedia(media('IMAGE', 'image/gif', bytes, { sha256: '0'.repeat(64) }), policy())).toMatchObject({
      ok: false,
      category: { category: 'integrity' },
    });
    expect(await checkMedia(media('IMAGE', 'image/gif', bytes, { sizeBytes: 3 }), policy())).toMatchObject({
      ok: false,
      reasons: [`integrity: declared 3 bytes, got ${bytes.length}`],
    });
  });

  test('a type that is not accepted for the content type is rejected', async () => {
    const svg = bytesOf('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    expect(await checkMedia(media('IMAGE', 'image/svg+xml', svg), policy())).toMatchObject({
      ok: false,
      category: { category: 'media-type' },
    });
    expect(await checkMedia(media('AUDIO', 'image/png', SAMPLES['image/png']!), policy())).toMatchObject({ ok: false });
  });

  test('bytes that are not what they claim are rejected; another type of the same kind passes, noted', async () => {
    const exe = bytesOf('MZ', pad(64));
    expect(await checkMedia(media('IMAGE', 'image/png', exe), policy())).toEqual({
      ok: false,
      category: { category: 'media-type', score: 1 },
      reasons: ['media-type: the bytes are not any accepted type (declared image/png)'],
    });
    expect(await checkMedia(media('IMAGE', 'image/jpeg', SAMPLES['audio/mpeg']!), policy())).toMatchObject({
      ok: false,
      reasons: ['media-type: the bytes are audio/mpeg, not IMAGE content'],
    });
    expect(await checkMedia(media('IMAGE', 'image/jpeg', SAMPLES['image/png']!), policy())).toEqual({
      ok: true,
      mimeType: 'image/png',
      reasons: ['media: declared image/jpeg, the bytes are image/png'],
    });
  });

  test('without bytes the declared type and hash are taken as they are', async () => {
    const result = await checkMedia(
      { ...media('AUDIO', 'audio/x-wav', SAMPLES['audio/wav']!), bytes: undefined },
      policy(),
    );
    expect(result).toEqual({
      ok: true,
      mimeType: 'audio/wav',
      reasons: ['media: bytes not available, type and hash taken as declared'],
    });
  });
});
