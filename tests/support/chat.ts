import { bearer, gql } from './http.js';

export const CREATE_COMPANION = `mutation($input: CompanionInput!) { createCompanion(input: $input) { id name visibility owner { id displayName } } }`;
export const START = `mutation($id: ID!) { startConversation(companionId: $id) { id } }`;
export const SEND = `mutation($c: ID!, $t: String!) { sendMessage(conversationId: $c, content: $t) { message { id status content } reply { id status } } }`;
export const REPLY_STREAM = `subscription($id: ID!, $from: Int) {
  replyStream(messageId: $id, fromIndex: $from) { messageId index delta done finishReason message { id status content completionTokens } }
}`;

export interface Chunk {
  messageId: string;
  index: number;
  delta: string;
  done: boolean;
  finishReason: string | null;
  message: { id: string; status: string; content: string; completionTokens: number | null } | null;
}

export async function createCompanion(url: string, token: string, overrides: Record<string, unknown> = {}) {
  const input = {
    name: 'Luna',
    description: 'A curious astronomer.',
    personality: ['curious', 'warm'],
    visibility: 'PRIVATE',
    ...overrides,
  };
  const response = await gql<{ createCompanion: { id: string } }>(url, CREATE_COMPANION, { input }, bearer(token));
  if (!response.body.data) throw new Error(JSON.stringify(response.body));
  return response.body.data.createCompanion.id;
}

export async function startConversation(url: string, token: string, companionId: string) {
  const response = await gql<{ startConversation: { id: string } }>(url, START, { id: companionId }, bearer(token));
  if (!response.body.data) throw new Error(JSON.stringify(response.body));
  return response.body.data.startConversation.id;
}

export async function send(url: string, token: string, conversationId: string, text = 'Tell me about Saturn') {
  return gql<{ sendMessage: { message: { id: string }; reply: { id: string; status: string } } }>(
    url,
    SEND,
    { c: conversationId, t: text },
    bearer(token),
  );
}
