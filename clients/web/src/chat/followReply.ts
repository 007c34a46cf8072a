// Follows one streamed reply over graphql-ws, chunk by chunk. When the socket drops mid-reply it
// resubscribes with fromIndex = chunks received, so no text is lost or repeated.
import { print } from 'graphql';
import { ReplyStreamDocument, type ReplyStreamSubscription } from '../../../generated/graphql';
import { createSocket } from '../apollo';

type Chunk = ReplyStreamSubscription['replyStream'];

/** A drop is resumed this many times in one reply before giving up. */
const MAX_RESUMES = 5;
const RESUME_DELAY_MS = 500;

export interface ReplyHandlers {
  onText: (text: string) => void;
  onDone: (final: Chunk) => void;
  onNotice: (text: string) => void;
  onError: (text: string) => void;
}

/** Starts following; the returned function stops listening (it does not cancel the reply). */
export function followReply(messageId: string, handlers: ReplyHandlers): () => void {
  let received = 0;
  let text = '';
  let resumes = 0;
  let stopped = false;
  let unsubscribe: () => void = () => undefined;
  const socket = createSocket(0);

  function subscribe() {
    let finished = false;
    unsubscribe = socket.subscribe<ReplyStreamSubscription>(
      { query: print(ReplyStreamDocument), variables: { messageId, fromIndex: received } },
      {
        next(result) {
          const chunk = result.data?.replyStream;
          if (!chunk) {
            handlers.onError(result.errors?.[0]?.message ?? 'The reply stream failed.');
            finished = true;
            return;
          }
          // A chunk already seen (a resume that overlaps) is skipped, so the text never repeats.
          if (chunk.index < received) return;
          received = chunk.index + 1;
          if (chunk.delta) {
            text += chunk.delta;
            handlers.onText(text);
          }
          if (chunk.done) {
            finished = true;
            handlers.onDone(chunk);
          }
        },
        error() {
          resume(finished);
        },
        complete() {
          resume(finished);
        },
      },
    );
  }

  function resume(finished: boolean) {
    if (stopped || finished) return;
    if (resumes >= MAX_RESUMES) {
      handlers.onError('The connection keeps dropping; reload to see the stored reply.');
      return;
    }
    resumes += 1;
    handlers.onNotice('Connection lost; resuming the reply…');
    setTimeout(() => {
      if (!stopped) subscribe();
    }, RESUME_DELAY_MS * resumes);
  }

  subscribe();
  return () => {
    stopped = true;
    unsubscribe();
    void socket.dispose();
  };
}
