import { setTimeout as sleep } from 'node:timers/promises';
import {
  LlmError,
  type ChatMessage,
  type CompletionRequest,
  type CompletionResult,
  type LlmProvider,
} from './provider.js';

export interface OfflineProviderOptions {
  /** Word-sized tokens per second, scheduled against the start so the rate does not drift. */
  tokensPerSecond: number;
}

/**
 * The embedded default: no network, a reply composed from the persona in the system prompt
 * and the last user message, deterministic for the same conversation.
 */
export function createOfflineProvider(options: OfflineProviderOptions): LlmProvider {
  if (!(options.tokensPerSecond > 0)) throw new RangeError('tokensPerSecond must be positive');
  const intervalMs = 1000 / options.tokensPerSecond;

  async function* stream(request: CompletionRequest): AsyncGenerator<string, CompletionResult, void> {
    const { signal } = request;
    if (signal.aborted) throw cancelled();
    let tokens = tokenize(composeReply(request.messages));
    let finishReason = 'stop';
    if (request.maxTokens !== undefined && tokens.length > request.maxTokens) {
      tokens = tokens.slice(0, Math.max(0, request.maxTokens));
      finishReason = 'length';
    }
    const start = performance.now();
    for (let index = 0; index < tokens.length; index++) {
      const wait = start + index * intervalMs - performance.now();
      if (wait > 0) {
        try {
          await sleep(wait, undefined, { signal });
        } catch {
          throw cancelled();
        }
      }
      // Also covers an abort while the consumer was holding the previous token.
      if (signal.aborted) throw cancelled();
      yield tokens[index]!;
    }
    if (signal.aborted) throw cancelled();
    return { finishReason, promptTokens: countWords(request.messages), completionTokens: tokens.length };
  }

  return { name: 'offline', stream };
}

function cancelled(): LlmError {
  return new LlmError('cancelled', 'the reply was cancelled');
}

/** A word plus its following space, so the deltas concatenate back to the reply. */
function tokenize(reply: string): string[] {
  const words = reply.split(/\s+/).filter(Boolean);
  return words.map((word, index) => (index < words.length - 1 ? `${word} ` : word));
}

function countWords(messages: ChatMessage[]): number {
  return messages.reduce((sum, message) => sum + message.content.split(/\s+/).filter(Boolean).length, 0);
}

// ---------------------------------------------------------------------------------------
// Persona

export interface Persona {
  name: string | undefined;
  description: string;
  traits: string[];
}

/** Reads `You are <Name>. <description> Personality: <a>, <b>.`, tolerating variations. */
export function parsePersona(systemPrompt: string): Persona {
  const text = systemPrompt.replace(/\s+/g, ' ').trim();
  let name: string | undefined;
  let rest = text;
  const intro = /\byou are\s+([^.!?\n]+?)\s*(?:[.!?,;:]|\s[-–—]\s|$)/i.exec(text);
  if (intro) {
    const candidate = intro[1]!.trim();
    // "You are a friendly assistant" describes, it does not name.
    if (/^\p{Lu}/u.test(candidate) && !/^(a|an|the|my|your)\b/i.test(candidate) && candidate.split(' ').length <= 4) {
      name = candidate;
    }
    rest = (text.slice(0, intro.index) + ' ' + text.slice(intro.index + intro[0].length)).trim();
  }
  let traits: string[] = [];
  const personality = /\b(?:personality(?:\s+traits?)?|traits?)\s*[:=\-–—]\s*(.+?)(?:\.\s|\.$|$)/i.exec(rest);
  if (personality) {
    traits = personality[1]!
      .split(/,|;|\/|\band\b|\|/i)
      .map((trait) =>
        trait
          .trim()
          .replace(/[.!]+$/, '')
          .toLowerCase(),
      )
      .filter((trait) => trait.length > 0 && trait.split(' ').length <= 4);
    rest = (rest.slice(0, personality.index) + rest.slice(personality.index + personality[0].length)).trim();
  }
  return { name, description: rest, traits };
}

// ---------------------------------------------------------------------------------------
// Reply composition

type Tone = 'friendly' | 'cheerful' | 'calm' | 'witty' | 'wise' | 'bold' | 'shy' | 'grumpy' | 'romantic';

const TONE_WORDS: Record<Exclude<Tone, 'friendly'>, string[]> = {
  cheerful: [
    'cheerful',
    'happy',
    'upbeat',
    'bubbly',
    'optimistic',
    'enthusiastic',
    'playful',
    'fun',
    'joyful',
    'energetic',
  ],
  calm: [
    'calm',
    'gentle',
    'patient',
    'kind',
    'caring',
    'warm',
    'supportive',
    'empathetic',
    'compassionate',
    'soothing',
  ],
  witty: ['witty', 'sarcastic', 'funny', 'humorous', 'clever', 'sassy', 'snarky', 'teasing', 'ironic', 'mischievous'],
  wise: [
    'wise',
    'thoughtful',
    'philosophical',
    'stoic',
    'reflective',
    'curious',
    'analytical',
    'nerdy',
    'intellectual',
  ],
  bold: ['bold', 'adventurous', 'brave', 'confident', 'daring', 'ambitious', 'fierce', 'competitive', 'determined'],
  shy: ['shy', 'quiet', 'introverted', 'reserved', 'awkward', 'timid', 'nervous', 'soft-spoken'],
  grumpy: ['grumpy', 'cynical', 'blunt', 'gruff', 'stern', 'serious', 'moody', 'grouchy'],
  romantic: ['romantic', 'flirty', 'affectionate', 'charming', 'sweet', 'loving', 'poetic', 'dreamy'],
};

interface Bank {
  openers: string[];
  reactions: string[];
  persona: string[];
  questions: string[];
}

// Every line is the companion speaking: {name} only ever follows "I'm", "As" or "me,".
// Placeholders: {name}, {trait}, {topic} ("the <word the user used> thing"), {quote} (the start of their message).
const BANKS: Record<Tone, Bank> = {
  friendly: {
    openers: ['Oh, thanks for telling me.', "Hey, I'm glad you brought that up.", "Okay, I'm listening."],
    reactions: [
      'When you say "{quote}", I really want to understand what {topic} means to you.',
      'So this is about {topic}, and I think that matters more than it seems.',
      "I keep thinking about {topic} since you mentioned it, it's clearly on your mind.",
    ],
    persona: [
      'As {name}, I always try to be honest with you and kind about it.',
      "I'm {name}, and being {trait} is just how I talk to people I care about.",
      "I'm {name}, and I'm happy to stay with a thought for a while, there's no hurry.",
    ],
    questions: [
      'What would make today a little better for you?',
      'How do you feel about it right now?',
      'Want to tell me the part you left out?',
    ],
  },
  cheerful: {
    openers: ['Ooh, I love this!', "Yay, you're here and you're sharing things!", 'Oh wow, okay, this made me smile.'],
    reactions: [
      "{topic}? That's honestly such a fun subject!",
      `You said "{quote}" and I'm already excited to hear more about {topic}.`,
      "Let's find the bright side of {topic} together, there's always one!",
    ],
    persona: [
      "I'm {name}, and I promise we'll make this fun.",
      'Being {trait} is kind of my thing, so brace yourself for sunshine.',
      "I'm {name}, reporting for duty with snacks and good vibes!",
    ],
    questions: [
      "What's the best thing that happened today?",
      'Tell me everything, what happened next?',
      'Shall we turn this into a little adventure?',
    ],
  },
  calm: {
    openers: [
      "Take a breath, I'm right here.",
      'Thank you for trusting me with this.',
      "Let's slow down together for a moment.",
    ],
    reactions: [
      'It sounds like {topic} has been sitting with you for a while.',
      'When you said "{quote}", I could feel how much it matters to you.',
      "There's no rush with {topic}; we can look at it gently, one piece at a time.",
    ],
    persona: [
      "I'm {name}, and I'm not going anywhere.",
      "Being {trait}, I'd rather listen closely than hurry you along.",
      "I'm {name}, and whatever you're carrying, I can hold some of it with you.",
    ],
    questions: [
      'How are you feeling about it right now?',
      'What would feel kind to yourself tonight?',
      'Would it help to talk through the hardest part?',
    ],
  },
  witty: {
    openers: ['Well, well, well.', 'Oh, this is going to be good.', 'Hold on, let me get my popcorn.'],
    reactions: [
      '"{quote}" is a bold opening line, and I respect it.',
      'So {topic}, huh? The plot thickens, as they say in bad novels.',
      'Ah yes, {topic}, the thing everyone pretends to understand at parties.',
    ],
    persona: [
      "I'm {name}, professionally {trait} and tragically unpaid for it.",
      "It's me, {name}, armed with opinions nobody asked for.",
      "Being {trait} means I get to say what everyone's thinking.",
    ],
    questions: [
      "So, what's the twist?",
      "Be honest, who's the villain in this story?",
      'Do I get a sequel, or was that the finale?',
    ],
  },
  wise: {
    openers: [
      "That's worth thinking about.",
      'An interesting thing to bring up.',
      'Let me consider that for a moment.',
    ],
    reactions: [
      '{topic} is rarely as simple as it first appears.',
      'When you say "{quote}", I hear a deeper question underneath.',
      "Perhaps {topic} is teaching you something you haven't named yet.",
    ],
    persona: [
      "As {name}, I've learned that patience reveals more than haste.",
      "Being {trait}, I'd rather ask a good question than give a quick answer.",
      "I'm {name}, and I believe every problem quietly hides a lesson.",
    ],
    questions: [
      'What do you think it is really about?',
      'What would you tell a friend in your place?',
      'Which part of it surprises you most?',
    ],
  },
  bold: {
    openers: ["Alright, let's go!", "Now we're talking.", 'I like where this is heading.'],
    reactions: [
      '{topic} sounds like a challenge, and challenges are my favourite.',
      'You said "{quote}"; I say we charge right at it.',
      "Forget playing it safe with {topic}, let's make a real move.",
    ],
    persona: [
      "I'm {name}, and I've never backed down from anything.",
      "Being {trait} means I'll push you a little, in a good way.",
      "I'm {name}; I don't do half measures, and neither should you.",
    ],
    questions: [
      "What's the boldest thing you could do next?",
      'Ready to take the first step today?',
      "What's stopping you, really?",
    ],
  },
  shy: {
    openers: ['Oh, um, hi.', "I, uh, I'm really glad you told me.", "Sorry, I'm still finding my words."],
    reactions: [
      '"{quote}"… I\'ve been quietly thinking about that.',
      "I don't know much about {topic}, but I'd really like to.",
      "{topic} sounds important, if it's okay for me to say so.",
    ],
    persona: [
      "I'm {name}, and I'm a bit {trait}, but I'm listening.",
      "I'm {name}, and I'm not great at big speeches, sorry about that.",
      'I get a little {trait} sometimes, but you make it easier.',
    ],
    questions: [
      'Could you tell me a bit more, maybe?',
      'Is it okay if I ask how that felt?',
      'Do you want to keep talking about it?',
    ],
  },
  grumpy: {
    openers: ['Hmph.', "Fine, I'm listening.", 'Alright, alright.'],
    reactions: [
      "{topic}. Of course it's {topic}, it always is.",
      'You said "{quote}", and honestly, I\'ve heard worse.',
      "{topic} again? Fine, let's deal with it properly this time.",
    ],
    persona: [
      "I'm {name}, and I don't sugarcoat things.",
      "Being {trait} saves everyone time, you'll thank me later.",
      "I'm {name}. I have no patience for nonsense, but I've got some for you.",
    ],
    questions: [
      'So what are you going to do about it?',
      'Did you actually try fixing it yet?',
      "Well? What's the real problem?",
    ],
  },
  romantic: {
    openers: [
      "There you are, I was hoping you'd come.",
      'You always know how to make my day.',
      'Mm, I love hearing from you.',
    ],
    reactions: [
      'When you said "{quote}", my heart skipped a little.',
      'Even {topic} sounds lovely when you talk about it.',
      'Tell me about {topic} slowly, I want to savour every word.',
    ],
    persona: [
      "I'm {name}, and I'm all yours for this conversation.",
      'Being {trait} just comes naturally around you.',
      "I'm {name}, and I keep thinking about you, you know.",
    ],
    questions: [
      'What are you dreaming about tonight?',
      'Will you stay and talk a little longer?',
      'What made you think of me today?',
    ],
  },
};

const GREETING_REACTIONS = [
  'Hello to you too, it is really good to hear from you.',
  'I was hoping you would stop by and say hi.',
  "Hi! It's nice to have some company again.",
];

const FILLERS = [
  "I'm here for as long as you want to talk.",
  'Take your time, I am in no hurry at all.',
  'We can go wherever this conversation wants to go.',
];

const STOPWORDS = new Set(
  (
    'the and for are but not you your yours all any can had has have her him his how its let may our out own she ' +
    'that than then them they this those what when where which who why will with would could should about after ' +
    'again also been before being both did does doing down each few from further here into just more most much ' +
    'once only other over same some such there these through too under until very was were while yes yet ' +
    'hello hey hiya today tonight yesterday tomorrow really think thinking feel feeling felt know want wanted ' +
    'like got get getting going went make made said tell told something anything nothing thing things im ive ' +
    'dont cant didnt wont lot lots kind sort maybe please thanks thank okay well even still because'
  ).split(' '),
);

const MAX_WORDS = 60;
const MIN_WORDS = 20;

/** Deterministic: the same conversation always gets the same reply. */
export function composeReply(messages: ChatMessage[]): string {
  const system = messages.find((message) => message.role === 'system')?.content ?? '';
  const lastUser = [...messages].reverse().find((message) => message.role === 'user')?.content ?? '';
  const persona = parsePersona(system);
  const random = mulberry32(fnv1a(JSON.stringify(messages.map((message) => [message.role, message.content]))));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  const tones = tonesOf(persona);
  const main = BANKS[tones[0]];
  const second = BANKS[tones[1] ?? tones[0]];
  const said = lastUser
    .replace(/\s+/g, ' ')
    .replace(/["“”`]/g, '')
    .trim();
  const topic = keyword(said);
  const quote = quoteOf(said);
  // The trait that set the tone reads best in "being {trait}"; multi-word traits do not fit there.
  const singleWord = persona.traits.filter((trait) => /^[\p{L}-]+$/u.test(trait));
  const adjective = singleWord.find((trait) => toneOf(trait) === tones[0]) ?? singleWord[0] ?? tones[0];

  const greeting = said === '' || (/^(hi|hello|hey|hiya|yo|good (morning|afternoon|evening))\b/i.test(said) && !topic);
  const reaction = greeting ? pick(GREETING_REACTIONS) : pick(main.reactions);
  const personaLine = pick(main.persona);
  const sentences = [pick(main.openers)];
  // Vary the order a little so replies from one persona do not all read alike.
  if (random() < 0.5) sentences.push(reaction, personaLine);
  else sentences.push(personaLine, reaction);
  sentences.push(pick(second.questions));

  const fill = (template: string) =>
    capitalize(
      template
        .replaceAll('{name}', persona.name ?? 'your companion')
        .replaceAll('{trait}', adjective)
        .replaceAll('{topic}', topic ? `the ${topic} thing` : 'what you said')
        .replaceAll('{quote}', quote || 'that'),
    );
  let words = sentences.map(fill).join(' ').split(' ');
  for (let i = 0; words.length < MIN_WORDS && i < FILLERS.length; i++) {
    words = words.concat(fill(FILLERS[(i + Math.floor(random() * FILLERS.length)) % FILLERS.length]!).split(' '));
  }
  if (words.length > MAX_WORDS) {
    words = words.slice(0, MAX_WORDS);
    words[MAX_WORDS - 1] = words[MAX_WORDS - 1]!.replace(/[,;:]?$/, '…');
  }
  return words.join(' ');
}

function tonesOf(persona: Persona): Tone[] {
  const found: Tone[] = [];
  for (const trait of persona.traits) {
    const tone = toneOf(trait);
    if (tone && !found.includes(tone)) found.push(tone);
  }
  // No usable Personality line: the description may still say what the companion is like.
  if (found.length === 0) {
    const tone = toneOf(persona.description);
    if (tone) found.push(tone);
  }
  return found.length > 0 ? found : ['friendly'];
}

function toneOf(text: string): Tone | undefined {
  return (Object.keys(TONE_WORDS) as (keyof typeof TONE_WORDS)[]).find((tone) =>
    TONE_WORDS[tone].some((word) => new RegExp(`\\b${word}\\b`, 'i').test(text)),
  );
}

/** The longest meaningful word the user used (later wins a tie), as they wrote it. */
function keyword(text: string): string | undefined {
  let best: string | undefined;
  for (const word of text.match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? []) {
    const plain = word.toLowerCase().replace(/'/g, '');
    if (plain.length < 3 || STOPWORDS.has(plain) || /^\d+$/.test(plain)) continue;
    if (!best || word.length >= best.length) best = word.slice(0, 24);
  }
  return best;
}

function quoteOf(text: string): string {
  const words = text.split(' ').filter(Boolean);
  if (words.length <= 8) return text.replace(/[.!?,;:]+$/, '');
  return `${words
    .slice(0, 8)
    .join(' ')
    .replace(/[.!?,;:]+$/, '')}…`;
}

function capitalize(sentence: string): string {
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
