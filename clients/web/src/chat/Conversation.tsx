// One conversation: its messages, a composer, and the reply growing token by token as it streams.
import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import {
  CancelReplyDocument,
  ConversationMessagesDocument,
  SendMessageDocument,
  type MessageFieldsFragment,
} from '../../../generated/graphql';
import { describeError } from '../errors';
import { followReply } from './followReply';

interface Live {
  id: string;
  text: string;
  status: string;
  notice?: string;
}

function MessageView(props: { message: MessageFieldsFragment; text?: string; streaming?: boolean }) {
  const { message } = props;
  const text = props.text ?? message.content;
  const mine = message.role === 'USER';
  if (message.status === 'BLOCKED') {
    return (
      <li className={`message ${mine ? 'mine' : 'theirs'} blocked`}>
        <strong>Blocked.</strong>{' '}
        {mine
          ? 'This message was blocked by moderation and was not sent to the companion.'
          : 'No reply: your message was blocked by moderation.'}
        {mine && text && <span className="quoted"> ({text})</span>}
      </li>
    );
  }
  return (
    <li className={`message ${mine ? 'mine' : 'theirs'}`} aria-busy={props.streaming || undefined}>
      <span className="visually-hidden">{mine ? 'You: ' : 'Companion: '}</span>
      <span className="text" data-testid={props.streaming ? 'streaming-reply' : undefined}>
        {text}
      </span>
      {message.status === 'CANCELLED' && <span className="muted small"> (stopped)</span>}
      {message.status === 'FAILED' && <span className="error small"> (the reply failed)</span>}
    </li>
  );
}

export function Conversation(props: { id: string }) {
  const inputId = useId();
  const [text, setText] = useState('');
  const [live, setLive] = useState<Live | null>(null);
  const [streamError, setStreamError] = useState<string | null>(null);
  const stop = useRef<() => void>(() => undefined);
  const messages = useQuery(ConversationMessagesDocument, { variables: { id: props.id, first: 100 } });
  // The plan panel's counts follow each message sent.
  const [send, sent] = useMutation(SendMessageDocument, { refetchQueries: ['WebPlanUsage'] });
  const [cancel] = useMutation(CancelReplyDocument);

  // Leaving the conversation stops listening (the reply goes on and is stored).
  useEffect(() => () => stop.current(), [props.id]);

  function follow(replyId: string) {
    setLive({ id: replyId, text: '', status: 'STREAMING' });
    setStreamError(null);
    stop.current = followReply(replyId, {
      onText: (sofar) => setLive((prev) => prev && { ...prev, text: sofar, notice: undefined }),
      onNotice: (notice) => setLive((prev) => prev && { ...prev, notice }),
      onError: (message) => setStreamError(message),
      onDone: () => {
        stop.current();
        void messages.refetch().then(() => setLive(null));
      },
    });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const content = text.trim();
    if (!content || live) return;
    const result = await send({ variables: { conversationId: props.id, content } }).catch(() => null);
    if (!result?.data) return;
    setText('');
    const { reply } = result.data.sendMessage;
    await messages.refetch();
    if (reply.status === 'STREAMING') follow(reply.id);
  }

  const edges = messages.data?.conversation?.messages.edges ?? [];
  return (
    <section className="conversation" aria-labelledby="conversation-title">
      <h2 id="conversation-title">{messages.data?.conversation?.companion.name ?? 'Conversation'}</h2>
      {messages.error && <p role="alert">{describeError(messages.error)}</p>}
      <ol className="messages" aria-live="polite">
        {edges.map(({ node }) =>
          live?.id === node.id ? (
            <MessageView key={node.id} message={node} text={live.text} streaming />
          ) : (
            <MessageView key={node.id} message={node} />
          ),
        )}
      </ol>
      {live?.notice && <p className="muted">{live.notice}</p>}
      {streamError && <p role="alert">{streamError}</p>}
      {sent.error && (
        <p role="alert" className="error">
          {describeError(sent.error)}
        </p>
      )}
      <form className="composer" onSubmit={submit}>
        <label htmlFor={inputId}>Message</label>
        <textarea
          id={inputId}
          value={text}
          rows={2}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            // Enter sends, Shift+Enter breaks the line.
            if (event.key === 'Enter' && !event.shiftKey) {
              event.preventDefault();
              event.currentTarget.form?.requestSubmit();
            }
          }}
        />
        {live ? (
          <button type="button" className="danger" onClick={() => void cancel({ variables: { messageId: live.id } })}>
            Stop reply
          </button>
        ) : (
          <button type="submit" disabled={sent.loading}>
            Send
          </button>
        )}
      </form>
    </section>
  );
}
