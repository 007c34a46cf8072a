// The question-and-answer parts: signing in, picking a companion, creating one.
import {
  CompanionsDocument,
  CreateCompanionDocument,
  MyCompanionsDocument,
  type CompanionFieldsFragment,
  type Visibility,
} from '../generated/graphql.js';
import { GraphError } from '../sdk.js';
import type { ChatArgs } from './args.js';
import { describeError, Session } from './session.js';
import type { Terminal } from './terminal.js';

const MAX_SIGN_IN_ATTEMPTS = 3;
/** Enough to pick from in a terminal; the rest are a search feature, not a list. */
const LIST_SIZE = 30;

/** Logs in or registers, asking for whatever the command line did not give. */
export async function signIn(term: Terminal, args: ChatArgs): Promise<Session> {
  for (let attempt = 1; ; attempt++) {
    // Flags are used once: after a failure, ask rather than repeat the same mistake.
    const fromFlags = attempt === 1;
    const email = (fromFlags && args.email) || (await askNonEmpty(term, 'Email: '));
    const password = (fromFlags && args.password) || (await askNonEmpty(term, 'Password: ', true));
    try {
      if (!args.register) return await Session.login(args.url, email, password);
      const displayName = await askNonEmpty(term, 'Display name: ');
      return await Session.register(args.url, email, password, displayName);
    } catch (error) {
      const retryable =
        error instanceof GraphError && (error.code === 'UNAUTHENTICATED' || error.code === 'BAD_USER_INPUT');
      if (!retryable || attempt >= MAX_SIGN_IN_ATTEMPTS) throw error;
      term.error(describeError(error));
    }
  }
}

/** Lists the user's companions and the public ones; returns the one picked or newly created. */
export async function pickCompanion(term: Terminal, session: Session): Promise<CompanionFieldsFragment> {
  const client = await session.client();
  const [mine, listed] = await Promise.all([
    client.request(MyCompanionsDocument, { first: LIST_SIZE }),
    client.request(CompanionsDocument, { first: LIST_SIZE }),
  ]);
  const own = mine.me?.companions.edges.map((edge) => edge.node) ?? [];
  const others = listed.companions.edges.map((edge) => edge.node).filter((c) => c.owner.id !== session.user.id);
  const choices = [...own, ...others];

  if (choices.length === 0) {
    term.line('No companions yet: create one.');
    return createCompanion(term, session);
  }
  if (own.length) {
    term.line(term.bold('Your companions'));
    own.forEach((companion, i) => term.line(describeCompanion(term, i + 1, companion, false)));
  }
  if (others.length) {
    term.line(term.bold('Public companions'));
    others.forEach((companion, i) => term.line(describeCompanion(term, own.length + i + 1, companion, true)));
  }
  term.line(`   n. ${term.dim('create a new companion')}`);

  const range = choices.length === 1 ? '1' : `1-${choices.length}`;
  for (;;) {
    const answer = (await term.ask(`Pick a companion [${range}, n]: `)).trim().toLowerCase();
    if (answer === 'n' || answer === 'new') return createCompanion(term, session);
    const picked = /^\d+$/.test(answer) ? choices[Number(answer) - 1] : undefined;
    if (picked) return picked;
    term.error(`Type ${choices.length === 1 ? '1' : `a number from 1 to ${choices.length}`}, or n.`);
  }
}

/** Asks for a profile until the server accepts it. */
export async function createCompanion(term: Terminal, session: Session): Promise<CompanionFieldsFragment> {
  for (;;) {
    term.line(term.bold('New companion'));
    const name = await askNonEmpty(term, '  Name: ');
    const description = (await term.ask('  Description: ')).trim();
    const traits = await term.ask('  Traits, comma-separated (e.g. curious, witty): ');
    const visibility = await askVisibility(term);
    const personality = traits
      .split(',')
      .map((trait) => trait.trim())
      .filter(Boolean);
    try {
      const client = await session.client();
      const { createCompanion } = await client.request(CreateCompanionDocument, {
        input: { name, description, personality, visibility },
      });
      return createCompanion;
    } catch (error) {
      if (!(error instanceof GraphError && error.code === 'BAD_USER_INPUT')) throw error;
      term.error(describeError(error));
    }
  }
}

async function askVisibility(term: Terminal): Promise<Visibility> {
  for (;;) {
    const answer = (await term.ask('  Visibility, private or public [private]: ')).trim().toLowerCase();
    if (answer === '' || 'private'.startsWith(answer)) return 'PRIVATE';
    if ('public'.startsWith(answer)) return 'PUBLIC';
    term.error('Type private or public.');
  }
}

async function askNonEmpty(term: Terminal, prompt: string, hidden = false): Promise<string> {
  for (;;) {
    // Passwords are taken as typed; everything else without surrounding blanks.
    const raw = await term.ask(prompt, { hidden });
    const answer = hidden ? raw : raw.trim();
    if (answer) return answer;
  }
}

function describeCompanion(term: Terminal, n: number, companion: CompanionFieldsFragment, showOwner: boolean): string {
  const traits = companion.personality.length ? ` (${companion.personality.join(', ')})` : '';
  const owner = showOwner ? ` by ${companion.owner.displayName}` : companion.visibility === 'PUBLIC' ? ' · public' : '';
  const about = truncate(companion.description, 60);
  return `  ${String(n).padStart(2)}. ${companion.name}${traits}${term.dim(`${owner}${about ? ` · ${about}` : ''}`)}`;
}

function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
