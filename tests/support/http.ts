/** Raw GraphQL over HTTP for tests that assert status codes and error shapes exactly. */
export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  body: { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

export async function postRaw(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

export function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  return postRaw(url, JSON.stringify({ query, variables }), headers) as Promise<GraphQLResponse<T>>;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export function errorCode(response: GraphQLResponse): unknown {
  return response.body.errors?.[0]?.extensions?.code;
}

let counter = 0;
/** A unique, valid email for each call. */
export function uniqueEmail(tag = 'user'): string {
  counter += 1;
  return `${tag}.${Date.now().toString(36)}.${counter}@example.test`;
}

export const GOOD_PASSWORD = 'correct-horse-42';

export const REGISTER = `mutation Register($input: RegisterInput!) {
  register(input: $input) { accessToken refreshToken expiresAt user { id email displayName role status plan createdAt } }
}`;
export const LOGIN = `mutation Login($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken expiresAt user { id email displayName } }
}`;

export interface Account {
  id: string;
  email: string;
  accessToken: string;
  refreshToken: string;
}

export async function register(
  url: string,
  overrides: Partial<{ email: string; password: string; displayName: string; consents: string[] }> = {},
): Promise<Account> {
  // Test accounts grant ANALYTICS, so that what they do is counted (consent is opt-in: docs/privacy.md).
  const input = {
    email: uniqueEmail(),
    password: GOOD_PASSWORD,
    displayName: 'Test User',
    consents: ['ANALYTICS'],
    ...overrides,
  };
  const response = await gql<{ register: { accessToken: string; refreshToken: string; user: { id: string } } }>(
    url,
    REGISTER,
    { input },
  );
  if (!response.body.data?.register) throw new Error(`register failed: ${JSON.stringify(response.body)}`);
  const { accessToken, refreshToken, user } = response.body.data.register;
  return { id: user.id, email: input.email, accessToken, refreshToken };
}
