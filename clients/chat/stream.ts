// Follows one streamed reply over graphql-ws: deltas in order, a cancel that lets the final chunk arrive,
// and one resubscription from where it broke off when the socket drops.
import {
  CancelReplyDocument,
  ReplyStreamDocument,
  type MessageStatus,
  type ReplyStreamSubscription,
} from '../generated/graphql.js';
import { GraphError, type GraphSubscription } from '../sdk.js';
import { describeError, type Session } from './session.js';

type Chunk = ReplyStreamSubscription['replyStream'];

/** A dropped socket is resumed this many times; more drops in one reply mean something is wrong. */
const MAX_RESUMES = 1;
/** Reconnections with a fresh token in one reply (each token expiry during a long reply is one). */
const MAX_RENEWALS = 3;
/** After cancelReply answered, the final chunk is due at once; stop waiting if it never comes. */
const CANCEL_GRACE_MS = 5_000;

export interface FollowOptions {
  session: Session;
  /** The reply's id: SendMessage's `reply.id`. */
  messageId: string;
  /** Called with each piece of text, in order, exactly once. */
  onDelta: (delta: string) => void;
  /** Aborting asks the server to cancel the reply; the stream then runs to its final chunk. */
  cancel: AbortSignal;
  /** Aborting stops listening at once; the reply may still be generated and stored. */
  stop: AbortSignal;
  /** Things the user should know that are not part of the reply (a resume, a failed cancel). */
  onNotice?: (text: string) => void;
  /** When the message was sent (performance.now()), to time the first token. */
  sentAt?: number;
}

export interface ReplyOutcome {
  /** The reply text as delivered. */
  text: string;
  /** stop, length, cancelled, …; null when we stopped listening before the end. */
  finishReason: string | null;
  /** The stored message's status (COMPLETE, CANCELLED, FAILED, …). */
  status: MessageStatus | null;
  completionTokens: number | null;
  /** Chunks received, final one included: the next fromIndex. */
  received: number;
  resumed: number;
  /** Times the socket was reopened with a fresh token (the old one expired mid-reply). */
  renewed: number;
  firstTokenMs: number | null;
}

export async function followReply(options: FollowOptions): Promise<ReplyOutcome> {
  const { session, messageId, onDelta } = options;
  const sentAt = options.sentAt ?? performance.now();
  const outcome: ReplyOutcome = {
    text: '',
    finishReason: null,
    status: null,
    completionTokens: null,
    received: 0,
    resumed: 0,
    renewed: 0,
    firstTokenMs: null,
  };

  // Both the caller's stop and a cancel whose final chunk never came end the wait.
  const giveUp = new AbortController();
  const halt = AbortSignal.any([options.stop, giveUp.signal]);
  let current: GraphSubscription<ReplyStreamSubscription> | undefined;
  const disposeCurrent = () => void current?.dispose();
  halt.addEventListener('abort', disposeCurrent, { once: true });

  let graceTimer: NodeJS.Timeout | undefined;
  const requestCancel = async () => {
    try {
      const client = await session.client();
      await client.request(CancelReplyDocument, { messageId });
      graceTimer = setTimeout(() => giveUp.abort(), CANCEL_GRACE_MS);
    } catch (error) {
      // Typically the reply finished in the meantime; its final chunk is on its way.
      options.onNotice?.(`cancel failed: ${describeError(error)}`);
    }
  };
  const onCancel = () => void requestCancel();
  if (options.cancel.aborted) onCancel();
  else options.cancel.addEventListener('abort', onCancel, { once: true });

  const accept = (chunk: Chunk): boolean => {
    if (chunk.index < outcome.received) return false; // replayed after a resume: already shown
    outcome.received = chunk.index + 1;
    if (chunk.delta) {
      outcome.firstTokenMs ??= performance.now() - sentAt;
      outcome.text += chunk.delta;
      onDelta(chunk.delta);
    }
    if (!chunk.done) return false;
    const stored = chunk.message;
    // A reply that finished while we were away comes back as one final chunk: show what we missed.
    if (stored && stored.content.length > outcome.text.length && stored.content.startsWith(outcome.text)) {
      const missed = stored.content.slice(outcome.text.length);
      outcome.text += missed;
      onDelta(missed);
    }
    outcome.finishReason = chunk.finishReason ?? stored?.finishReason ?? null;
    outcome.status = stored?.status ?? null;
    outcome.completionTokens = stored?.completionTokens ?? null;
    return true;
  };

  try {
    for (;;) {
      const client = await session.client();
      // fromIndex = chunks received so far: the server replays from its buffer, nothing twice.
      current = client.subscribe(ReplyStreamDocument, { messageId, fromIndex: outcome.received || null });
      if (halt.aborted) return outcome;
      // Completing without a final chunk counts as a drop.
      let failure: unknown = new Error('The reply stream ended before the reply did');
      try {
        for await (const result of current) {
          if (result.errors?.length) throw new GraphError(result.errors, { data: result.data });
          if (result.data && accept(result.data.replyStream)) return outcome;
        }
      } catch (error) {
        failure = error;
      }
      if (halt.aborted) return outcome;
      if (sessionEnded(failure) && outcome.renewed < MAX_RENEWALS) {
        // The token this socket was opened with ended: reconnect with a fresh one (a refresh).
        // If the session itself ended, the refresh fails and that error is shown.
        outcome.renewed += 1;
        await session.renew();
        options.onNotice?.(`token renewed; resuming from chunk ${outcome.received}`);
        continue;
      }
      if (!isDrop(failure) || outcome.resumed >= MAX_RESUMES) throw failure;
      outcome.resumed += 1;
      options.onNotice?.(`connection lost; resuming from chunk ${outcome.received}`);
    }
  } finally {
    clearTimeout(graceTimer);
    halt.removeEventListener('abort', disposeCurrent);
    options.cancel.removeEventListener('abort', onCancel);
    await current?.dispose();
  }
}

/** The gateway ended the stream because its token did (4401 close or UNAUTHENTICATED on the stream). */
function sessionEnded(error: unknown): boolean {
  return error instanceof GraphError && (error.closeCode === 4401 || error.code === 'UNAUTHENTICATED');
}

/** Whether resubscribing may help: the socket went away, as opposed to the server refusing the operation. */
function isDrop(error: unknown): boolean {
  if (!(error instanceof GraphError)) return true; // socket error, connection refused or reset
  if (error.closeCode === undefined) return false; // GraphQL errors from the server: same answer next time
  return error.closeCode < 4400 || error.closeCode >= 4500; // 44xx: auth or protocol, not the network
}
