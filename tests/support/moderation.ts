import { parseEvent, type AnyEvent } from '../../schema/events/contracts.js';
import { bearer, gql, GOOD_PASSWORD, LOGIN, register, uniqueEmail, type Account } from './http.js';
import { execSql } from './sql.js';
import type { TestStack } from './test-stack.js';

export const CASE_FIELDS =
  'id contentType contentId status action reason automatic reportCount source provider confidence suspendUntil decidedAt author { id } decidedBy { id } appeal { reason status resolvedBy { id } } notes { text author { id } } history { kind actor { id } }';

export const MODERATE = `mutation($input: ModerateContentInput!) { moderateContent(input: $input) { ${CASE_FIELDS} } }`;
export const CLAIM = `mutation($id: ID!) { claimCase(id: $id) { id claimedBy { id } claimedUntil } }`;
export const APPROVE = `mutation($id: ID!, $note: String) { approveContent(caseId: $id, note: $note) { ${CASE_FIELDS} } }`;
export const REJECT = `mutation($id: ID!, $input: RejectContentInput!) { rejectContent(caseId: $id, input: $input) { ${CASE_FIELDS} } }`;
export const NOTE = `mutation($id: ID!, $text: String!) { addModeratorNote(caseId: $id, text: $text) { notes { text } history { kind } } }`;
export const REPORT = `mutation($input: ReportContentInput!) { reportContent(input: $input) }`;
export const APPEAL = `mutation($id: ID!, $reason: String!) { appealDecision(caseId: $id, reason: $reason) { id status appeal { reason status } } }`;
export const RESOLVE = `mutation($id: ID!, $upheld: Boolean!, $note: String) { resolveAppeal(caseId: $id, upheld: $upheld, note: $note) { ${CASE_FIELDS} } }`;
export const QUEUE = `query($status: ModerationStatus, $contentType: ContentType, $first: Int, $after: String) {
  moderationQueue(status: $status, contentType: $contentType, first: $first, after: $after) {
    edges { cursor node { id contentId status reportCount } } pageInfo { hasNextPage endCursor }
  }
}`;

export interface CaseView {
  id: string;
  contentType: string;
  contentId: string;
  status: string;
  action: string | null;
  reason: string | null;
  automatic: boolean;
  reportCount: number;
  source: string;
  provider: string;
  confidence: number | null;
  suspendUntil: string | null;
  decidedAt: string | null;
  author: { id: string } | null;
  decidedBy: { id: string } | null;
  appeal: { reason: string; status: string; resolvedBy: { id: string } | null } | null;
  notes: { text: string; author: { id: string } }[];
  history: { kind: string; actor: { id: string } | null }[];
}

/** Staff accounts are made by an operator with SQL; a new login carries the new role. */
export async function promote(stack: TestStack, role: 'MODERATOR' | 'ADMIN'): Promise<Account> {
  const url = stack.gateway.url;
  const email = uniqueEmail(role.toLowerCase());
  const account = await register(url, { email });
  await execSql(stack, 'users', 'update users set role = ? where id = ?', [role, account.id]);
  const login = await gql<{ login: { accessToken: string } }>(url, LOGIN, {
    input: { email, password: GOOD_PASSWORD },
  });
  const promoted = { ...account, accessToken: login.body.data!.login.accessToken };
  // Any call to moderation records the caller's verified role (a moderator may not act on staff).
  await gql(url, '{ moderationQueue(first: 1) { pageInfo { hasNextPage } } }', {}, bearer(promoted.accessToken));
  return promoted;
}

export async function eventually<T>(
  probe: () => T | undefined | null | Promise<T | undefined | null>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Collects what a fresh consumer group reads from the stack's bus. */
export async function listen(stack: TestStack, topic: string) {
  const received: AnyEvent[] = [];
  const consumer = await stack.runtime.bus.consume({
    groupId: `test-${Math.random().toString(36).slice(2)}`,
    topics: [topic],
    onRecord: async (record) => {
      received.push(parseEvent(record.value));
    },
  });
  return { received, close: () => consumer.close() };
}
