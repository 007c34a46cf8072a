// The conversation loop: read a line, send it, stream the reply; slash commands in between.
import {
  SendMessageDocument,
  StartConversationDocument,
  type CompanionFieldsFragment,
  type ConversationFieldsFragment,
} from '../generated/graphql.js';
import { pickCompanion } from './prompts.js';
import { describeError, type Session } from './session.js';
import { followReply, type ReplyOutcome } from './stream.js';
import { ExitRequested, type Terminal } from './terminal.js';

const HELP = '/new starts a conversation · /companions switches companion · /quit leaves · Ctrl-C cancels a reply';

export async function runChat(term: Terminal, session: Session): Promise<void> {
  let companion = await pickCompanion(term, session);
  let conversation = await startConversation(term, session, companion);
  term.line(term.dim(HELP));

  for (;;) {
    const line = (await term.ask(`${session.user.displayName} › `)).trim();
    if (!line) continue;
    switch (line.toLowerCase()) {
      case '/quit':
      case '/exit':
        throw new ExitRequested('quit');
      case '/new':
        conversation = await startConversation(term, session, companion);
        continue;
      case '/companions':
        companion = await pickCompanion(term, session);
        conversation = await startConversation(term, session, companion);
        continue;
      case '/help':
        term.line(term.dim(HELP));
        continue;
    }
    if (line.startsWith('/')) {
      term.error(`Unknown command ${line.split(/\s/)[0]}`);
      term.line(term.dim(HELP));
      continue;
    }
    await turn(term, session, conversation, companion, line);
  }
}

async function startConversation(
  term: Terminal,
  session: Session,
  companion: CompanionFieldsFragment,
): Promise<ConversationFieldsFragment> {
  const client = await session.client();
  const { startConversation } = await client.request(StartConversationDocument, { companionId: companion.id });
  term.line(term.dim(`New conversation with ${companion.name}.`));
  return startConversation;
}

export const BLOCKED_MESSAGE = '[blocked by moderation] your message was not sent to the companion';
export const BLOCKED_REPLY = '[blocked by moderation] the reply was withdrawn';

/** One message and its reply. Errors are shown and the chat goes on. */
async function turn(
  term: Terminal,
  session: Session,
  conversation: ConversationFieldsFragment,
  companion: CompanionFieldsFragment,
  content: string,
): Promise<void> {
  // First Ctrl-C cancels the reply (the server keeps what was generated); a second stops waiting for it.
  const cancel = new AbortController();
  const stop = new AbortController();
  const onInterrupt = () => (cancel.signal.aborted ? stop.abort() : cancel.abort());

  let started = false; // whether the reply line is open on screen
  const notices: string[] = [];
  try {
    const outcome = await term.whileBusy(onInterrupt, async () => {
      const sentAt = performance.now();
      const client = await session.client();
      const { sendMessage } = await client.request(SendMessageDocument, { conversationId: conversation.id, content });
      // Blocked before the model saw it: nothing will be generated, so there is no reply to follow.
      if (sendMessage.message.status === 'BLOCKED') return null;
      term.write(`${term.bold(companion.name)} › `);
      started = true;
      return followReply({
        session,
        messageId: sendMessage.reply.id,
        onDelta: (delta) => term.write(delta),
        cancel: cancel.signal,
        stop: stop.signal,
        onNotice: (text) => notices.push(text),
        sentAt,
      });
    });
    if (outcome === null) {
      term.line(term.bold(BLOCKED_MESSAGE));
      return;
    }
    if (outcome.status === 'BLOCKED') {
      // Withdrawn after it streamed: say so plainly under whatever was shown.
      term.line();
      term.line(term.bold(BLOCKED_REPLY));
      return;
    }
    // A reply that finished before the cancel arrived is not marked cancelled.
    const cancelled =
      outcome.status === 'CANCELLED' ||
      outcome.finishReason === 'cancelled' ||
      (cancel.signal.aborted && outcome.finishReason === null);
    term.line(cancelled ? ` ${term.bold('[cancelled]')}` : '');
    for (const notice of notices) term.line(term.dim(`  (${notice})`));
    term.line(term.dim(statusLine(outcome)));
  } catch (error) {
    if (started) term.line();
    for (const notice of notices) term.line(term.dim(`  (${notice})`));
    term.error(describeError(error));
  }
}

/** finish reason · tokens · time to first token, e.g. "stop · 42 tokens · first token 31 ms". */
function statusLine(outcome: ReplyOutcome): string {
  const parts = [outcome.finishReason ?? 'stopped waiting for the final chunk'];
  if (outcome.status && outcome.status !== 'COMPLETE' && outcome.status.toLowerCase() !== outcome.finishReason) {
    parts.push(outcome.status.toLowerCase());
  }
  if (outcome.completionTokens !== null) parts.push(`${outcome.completionTokens} tokens`);
  if (outcome.firstTokenMs !== null) parts.push(`first token ${Math.round(outcome.firstTokenMs)} ms`);
  if (outcome.resumed) parts.push(`resumed ${outcome.resumed}×`);
  if (outcome.renewed) parts.push(`token renewed ${outcome.renewed}×`);
  return `  ${parts.join(' · ')}`;
}
