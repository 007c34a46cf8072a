import { chunkText, EXPORT_CHUNK_BYTES, publishExportPart } from './export-parts.js';
import { createMemoryBus } from './memory-bus.js';
import { parseEvent, Topic } from '../../schema/events/contracts.js';

const encoded = (text: string) => Buffer.byteLength(JSON.stringify(text)) - 2;

describe('export part chunks', () => {
  test('each chunk fits once escaped, and the chunks join back to the text', () => {
    const samples = [
      'plain ascii '.repeat(50),
      '"quoted" \\ back\nslashes\t'.repeat(40),
      'émoji 😀 and accents ñ '.repeat(40),
      '\u0001\u0002 control '.repeat(40),
    ];
    for (const text of samples) {
      const chunks = chunkText(text, 100);
      expect(chunks.join('')).toBe(text);
      expect(chunks.length).toBeGreaterThan(1);
      for (const chunk of chunks) expect(encoded(chunk)).toBeLessThanOrEqual(100);
      // Never between the halves of a surrogate pair.
      for (const chunk of chunks) expect(chunk).not.toMatch(/[\ud800-\udbff]$/);
    }
  });

  test('short text is one chunk; empty text one empty chunk', () => {
    expect(chunkText('{"a":1}')).toEqual(['{"a":1}']);
    expect(chunkText('')).toEqual(['']);
  });

  test('a part over the limit goes out as several events that rebuild it', async () => {
    const bus = createMemoryBus();
    const records: string[] = [];
    const consumer = await bus.consume({
      groupId: 'test',
      topics: [Topic.userLifecycle],
      onRecord: async (record) => void records.push(record.value),
    });
    const data = { events: Array.from({ length: 300 }, (_, index) => ({ index, text: `"é" ${'y'.repeat(1_000)}` })) };
    const userId = '0193a000-0000-7000-8000-000000000001';
    const exportId = '0193a000-0000-7000-8000-000000000002';
    const chunks = await publishExportPart(bus, { exportId, userId }, 'analytics', data);
    expect(chunks).toBeGreaterThan(1);
    const deadline = Date.now() + 5_000;
    while (records.length < chunks && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await consumer.close();
    await bus.close();
    const events = records.map((value) => parseEvent(value));
    for (const value of records) expect(Buffer.byteLength(value)).toBeLessThan(EXPORT_CHUNK_BYTES + 1_000);
    const parts = events.map((event) => (event.type === 'user.export_part' ? event.payload : undefined));
    expect(parts.map((part) => part?.chunk)).toEqual([...Array(chunks).keys()]);
    expect(JSON.parse(parts.map((part) => part!.data).join(''))).toEqual(data);
  });
});
