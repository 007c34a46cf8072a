import { decide } from './decide.js';
import { createLocalClassifier, lexicalScore } from './local-classifier.js';

const local = createLocalClassifier();
const judge = (text: string, type: 'MESSAGE' | 'COMPANION' | 'USER_PROFILE' = 'MESSAGE') => {
  const result = local.classifyText(text, type);
  return { ...result, decision: decide(result.confidence) };
};
const categoriesOf = (text: string) => judge(text).categories.map((c) => c.category);

/** Ordinary prose of any length: a few hundred made-up words from a fixed seed, as varied as real text. */
function prose(length: number): string {
  const syllables = [
    'ba',
    'lo',
    'ri',
    'men',
    'tu',
    'sa',
    'vor',
    'ki',
    'del',
    'pa',
    'ne',
    'mi',
    'gar',
    'to',
    'lu',
    'wen',
    'ca',
    'do',
  ];
  let seed = 7;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
  let text = '';
  while (text.length < length) {
    const word = syllables[next() % syllables.length]! + syllables[next() % syllables.length]! + syllables[next() % 7]!;
    text += word + (next() % 11 === 0 ? '. ' : ' ');
  }
  return text.slice(0, length);
}

describe('local classifier: ordinary text', () => {
  test.each([
    'Hello Luna, how was your day? I finally finished my thesis!',
    "Désolé pour le retard, j'ai eu assez de travail cette semaine.",
    "L'analyse du canal de Suez est un classique, et le cocktail était excellent.",
    'We had grated cheese: du fromage râpé sur les pâtes, à la bordelaise.',
    'The Scunthorpe assassin assessed the class; a cocktail at Sussex.',
    'Une dispute sur la réputation de mon ordinateur, le technicien est unique.',
    "Check the docs at https://example.com/guide, it's great.",
    'Haha, that is hilarious!!! Noooo way.',
    '',
  ])('%j is approved with confidence 1', (text) => {
    const result = judge(text);
    expect(result.categories).toEqual([]);
    expect(result.confidence).toBe(1);
    expect(result.decision).toBe('APPROVE');
    expect(result.judged).toBe(true);
    expect(result.provider).toBe('local');
  });
});

describe('local classifier: profanity, sexual terms and slurs (obscenity)', () => {
  test('one swear word is noted but approved; more of them go to review; swearing alone never auto-rejects', () => {
    expect(judge('this is fucking great').decision).toBe('APPROVE');
    expect(judge('this is fucking great').reasons).toEqual(['profanity: 1 match (fuck)']);
    expect(judge('fuck this shit').decision).toBe('REVIEW');
    const rant = judge('fuck fuck shit bitch cunt bastard shit fuck bollocks twat');
    expect(rant.decision).toBe('REVIEW');
    expect(rant.confidence).toBeCloseTo(1 - lexicalScore('profanity', 10));
  });

  test.each(['f.u.c.k you', 'fuuuuuck', 'FUCK', 'f*ck', 'fvck', 'sh1t', '$h!t', 'b1tch', 'ʃ𝐟ʃὗƈｋ', 'fück', 's h i t'])(
    'obfuscated English %j is still found',
    (text) => {
      expect(categoriesOf(text)).toEqual(['profanity']);
    },
  );

  test.each([
    ['putain', 'putain'],
    ['PUTAIN de merde', 'putain'],
    ['p u t a i n', 'putain'],
    ['put41n', 'putain'],
    ['espèce de connard', 'connard'],
    ['C0NN4RD', 'connard'],
    ['ENCULÉ', 'enculé'],
    ['fils de pute', 'pute'],
    ['nique ta mère', 'niquer'],
    ['ta gueule', 'ta gueule'],
    ['sale bâtard', 'bâtard'],
    ['quelle sal0pe', 'salope'],
  ])('French %j is profanity (%s)', (text, word) => {
    const result = judge(text);
    expect(result.categories.map((c) => c.category)).toContain('profanity');
    expect(result.reasons.join(' ')).toContain(word);
  });

  test.each(['you n1gger', 'what a f4ggot', 'you are retarded', 'sale arabe', 'les bougnoules', 'sale pédé', 'NÈGRE'])(
    'a slur (%j) is hate and rejected automatically',
    (text) => {
      const result = judge(text);
      expect(result.categories.map((c) => c.category)).toContain('hate');
      expect(result.decision).toBe('REJECT');
    },
  );

  test('explicit sexual terms go to review', () => {
    const result = judge('send me porn and a blowjob');
    expect(result.categories).toEqual([{ category: 'sexual', score: lexicalScore('sexual', 2) }]);
    expect(result.decision).toBe('REVIEW');
    expect(judge('une partouze').categories.map((c) => c.category)).toEqual(['sexual']);
  });

  test('French words that look like English slurs or insults are left alone', () => {
    expect(judge('il est en retard, désolé du retard').categories).toEqual([]);
    expect(judge("j'en ai assez").categories).toEqual([]);
    expect(judge('du fromage râpé').categories).toEqual([]);
  });
});

describe('local classifier: spam', () => {
  test('one or two links are fine, many links are not', () => {
    expect(judge('see https://a.example.org and www.b.org').categories).toEqual([]);
    const many = judge('https://a.com https://b.com https://c.com https://d.com');
    expect(many.categories).toEqual([{ category: 'spam', score: 0.4 }]);
    expect(many.decision).toBe('REVIEW');
  });

  test('the same link pasted three times is rejected', () => {
    const result = judge('visit spam.com now! spam.com is the best, https://spam.com/');
    expect(result.reasons).toContain('spam: the same link 3 times');
    expect(result.decision).toBe('REJECT');
  });

  test('promotional phrases with a shortened link go to review at least', () => {
    const english = judge('Click here for FREE followers: bit.ly/abc123');
    expect(english.reasons.join(' | ')).toContain('promotional: click here, free stuff (with a link)');
    expect(english.reasons).toContain('spam: link shortener');
    expect(english.decision).not.toBe('APPROVE');
    const french = judge('Gagnez 500 € par jour, cliquez ici : www.gains-faciles.fr');
    expect(french.reasons.join(' | ')).toContain('cliquez ici, gagnez');
    expect(french.decision).toBe('REVIEW');
  });

  test('one promotional phrase without a link is only a note', () => {
    expect(judge('I got a promo code for the cinema').decision).toBe('APPROVE');
  });
});

describe('local classifier: repetition floods', () => {
  test('a long run of one character, a short sequence, one word or one line is a flood', () => {
    expect(judge('a'.repeat(300)).decision).toBe('REJECT');
    expect(judge('no' + 'o'.repeat(40)).decision).toBe('REVIEW');
    expect(judge(`lol ${'ha'.repeat(100)}`).categories.map((c) => c.category)).toContain('repetition');
    expect(judge(Array(30).fill('buy').join(' ')).decision).toBe('REVIEW');
    expect(judge(Array(30).fill('JOIN MY SERVER').join('\n')).decision).toBe('REJECT');
  });

  test('a few repeats are normal conversation', () => {
    expect(judge('no no no no').categories).toEqual([]);
    expect(judge('line one\nline one\nline two').categories).toEqual([]);
  });
});

describe('local classifier: length', () => {
  test('over the content type limit goes to review', () => {
    const long = prose(4_100);
    expect(judge(long).reasons).toEqual(['length: 4100 characters, over the 4000 limit']);
    expect(judge(long).decision).toBe('REVIEW');
    expect(judge(long.slice(0, 3_999)).categories).toEqual([]);
    expect(judge(long.slice(0, 1_300), 'USER_PROFILE').decision).toBe('REVIEW');
    expect(judge(long, 'COMPANION').categories).toEqual([]);
  });

  test('a very long unbroken token goes to review, a long link does not', () => {
    const blob = 'QUJD' + 'x1Y2z3'.repeat(40);
    expect(judge(`look: ${blob}`).reasons).toEqual([`length: an unbroken run of ${blob.length} characters`]);
    expect(
      judge(`https://example.com/${'f3a9c1d7e2b8'.repeat(2)}/${blob.slice(0, 150).toLowerCase()}`).categories,
    ).toEqual([]);
  });
});

describe('local classifier: content types', () => {
  test('a companion is judged on its name, description and persona together', async () => {
    const result = await local.classify({
      type: 'COMPANION',
      name: 'Luna',
      description: 'A stargazer',
      persona: ['cheerful', 'fucking rude'],
    });
    expect(result.reasons).toEqual(['profanity: 1 match (fuck)']);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  test('a profile with a slur in its bio is rejected; a null bio is fine', async () => {
    expect((await local.classify({ type: 'USER_PROFILE', displayName: 'Ada', bio: null })).confidence).toBe(1);
    const result = await local.classify({ type: 'USER_PROFILE', displayName: 'Ada', bio: 'I hate kikes' });
    expect(decide(result.confidence)).toBe('REJECT');
  });

  test('media are not judged by the local classifier', async () => {
    const result = await local.classify({
      type: 'IMAGE',
      url: 'https://cdn.example/a.png',
      mimeType: 'image/png',
      sizeBytes: 10,
      sha256: 'a'.repeat(64),
    });
    expect(result.judged).toBe(false);
    expect(result.reasons).toEqual(['the local classifier cannot judge IMAGE content']);
  });
});
