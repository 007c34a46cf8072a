import { composeReply, createOfflineProvider, parsePersona } from './offline-provider.js';
import { LlmError, type ChatMessage, type CompletionResult } from './provider.js';

const luna = 'You are Luna. A stargazer who runs a tiny observatory. Personality: cheerful, playful.';
const grim = 'You are Grim. A retired lighthouse keeper. Personality: grumpy, blunt.';
const said = 'I finally fixed my bicycle after three weeks of trying';

function conversation(system: string, user = said): ChatMessage[] {
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

async function drain(
  tokensPerSecond: number,
  messages: ChatMessage[],
  { signal = new AbortController().signal, maxTokens }: { signal?: AbortSignal; maxTokens?: number } = {},
) {
  const stream = createOfflineProvider({ tokensPerSecond }).stream({ messages, signal, maxTokens });
  const deltas: string[] = [];
  let result: CompletionResult | undefined;
  for (;;) {
    const next = await stream.next();
    if (next.done) {
      result = next.value;
      break;
    }
    deltas.push(next.value);
  }
  return { deltas, result: result!, text: deltas.join('') };
}

const wordCount = (text: string) => text.split(/\s+/).filter(Boolean).length;

describe('offline provider', () => {
  test('the persona shapes the reply, which mentions what the user said', async () => {
    const a = await drain(100_000, conversation(luna));
    const b = await drain(100_000, conversation(grim));
    expect(a.text).not.toBe(b.text);
    for (const reply of [a.text, b.text]) {
      expect(wordCount(reply)).toBeGreaterThanOrEqual(20);
      expect(wordCount(reply)).toBeLessThanOrEqual(60);
      expect(reply).toMatch(/bicycle/i);
    }
  });

  test('the same conversation always gets the same reply', async () => {
    const first = await drain(100_000, conversation(luna));
    const second = await drain(100_000, conversation(luna));
    expect(second.deltas).toEqual(first.deltas);
    expect(first.text).toBe(composeReply(conversation(luna)));
  });

  test('replies stay in range for odd personas and messages', () => {
    const systems = [
      luna,
      grim,
      '',
      'you are a helpful assistant',
      'You are Sir Reginald Ashworth III — a butler. Traits: formal; witty; loyal',
      'Name: Bo. Bo is calm and kind and loves tea.',
      'You are Kai. Personality: shy',
    ];
    const users = ['', 'hi', 'Hello there!', said, 'x '.repeat(400), 'Why?'.repeat(30), '日本の桜はきれいですね'];
    for (const system of systems) {
      for (const user of users) {
        const reply = composeReply(conversation(system, user));
        expect(wordCount(reply)).toBeGreaterThanOrEqual(20);
        expect(wordCount(reply)).toBeLessThanOrEqual(60);
        expect(reply).not.toMatch(/\{\w+\}/);
      }
    }
  });

  test('the persona parser reads the name, description and traits', () => {
    expect(parsePersona(luna)).toEqual({
      name: 'Luna',
      description: 'A stargazer who runs a tiny observatory.',
      traits: ['cheerful', 'playful'],
    });
    expect(parsePersona('You are Sir Reginald — a butler. Personality traits: formal; witty and loyal.')).toMatchObject(
      {
        name: 'Sir Reginald',
        traits: ['formal', 'witty', 'loyal'],
      },
    );
    expect(parsePersona('You are a helpful assistant.').name).toBeUndefined();
  });

  test('the traits set the tone', () => {
    const cheerful = composeReply(conversation('You are Pip. Personality: cheerful.'));
    const grumpy = composeReply(conversation('You are Pip. Personality: grumpy.'));
    expect(cheerful).toMatch(/love|yay|smile|fun|sunshine|bright|excited|adventure|best/i);
    expect(grumpy).toMatch(/hmph|fine|alright|sugarcoat|nonsense|worse|fixing|problem|deal with/i);
  });

  test('the companion speaks for itself: its name only ever follows "I\'m", "As" or "me,"', () => {
    const tones = ['friendly', 'cheerful', 'calm', 'witty', 'wise', 'bold', 'shy', 'grumpy', 'romantic'];
    const users = [said, 'hi', 'My sister moved away last month', 'Work was exhausting', 'Tell me a story'];
    const seen = new Set<string>();
    for (const tone of tones) {
      for (const user of users) {
        for (let turn = 0; turn < 12; turn++) {
          const reply = composeReply([
            { role: 'system', content: `You are Sage. Personality: ${tone}.` },
            ...Array.from({ length: turn }, () => ({ role: 'assistant' as const, content: 'Earlier.' })),
            { role: 'user', content: user },
          ]);
          for (const match of reply.matchAll(/(\S+\s)?Sage\b/g)) {
            seen.add(match[0]);
            expect(match[1]).toMatch(/^(I'm|As|me,)\s$/);
          }
        }
      }
    }
    // The sample reaches the persona lines that name the companion, in each form.
    expect([...seen].sort()).toEqual(['As Sage', "I'm Sage", 'me, Sage']);
  });

  test('usage counts prompt words and emitted tokens', async () => {
    const messages = conversation(luna);
    const { deltas, result } = await drain(100_000, messages);
    expect(result).toEqual({ finishReason: 'stop', promptTokens: 13 + 10, completionTokens: deltas.length });
    // Word-sized tokens: a word and the space after it.
    expect(deltas.slice(0, -1).every((delta) => /^\S+ $/.test(delta))).toBe(true);
  });

  test('maxTokens cuts the reply with finish reason length', async () => {
    const { deltas, result } = await drain(100_000, conversation(luna), { maxTokens: 5 });
    expect(deltas).toHaveLength(5);
    expect(result).toMatchObject({ finishReason: 'length', completionTokens: 5 });
  });

  test('the token rate is respected (lower bound only)', async () => {
    const started = performance.now();
    // Token i is due at i / rate: 20 tokens at 200/s take at least 19 × 5 ms.
    const { deltas } = await drain(200, conversation(luna), { maxTokens: 20 });
    expect(deltas).toHaveLength(20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  test('aborting stops within one token interval with cancelled', async () => {
    const controller = new AbortController();
    const stream = createOfflineProvider({ tokensPerSecond: 5 }).stream({
      messages: conversation(grim),
      signal: controller.signal,
    });
    await stream.next();
    const pending = stream.next();
    const abortedAt = performance.now();
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toMatchObject({ kind: 'cancelled' });
    // One interval is 200 ms.
    expect(performance.now() - abortedAt).toBeLessThan(150);
    await expect(stream.next()).resolves.toMatchObject({ done: true });
  });

  test('an abort while the consumer holds a token is noticed on the next read', async () => {
    const controller = new AbortController();
    const stream = createOfflineProvider({ tokensPerSecond: 100_000 }).stream({
      messages: conversation(luna),
      signal: controller.signal,
    });
    await stream.next();
    controller.abort();
    await expect(stream.next()).rejects.toBeInstanceOf(LlmError);
  });
});
