// A signed-in user: keeps the tokens, refreshes the short-lived access token before it expires.
import {
  LoginDocument,
  LogoutDocument,
  RefreshTokenDocument,
  RegisterDocument,
  type AuthPayloadFieldsFragment,
} from '../generated/graphql.js';
import { GraphClient, GraphError } from '../sdk.js';

/** Refresh this long before expiry (at most), so a request never leaves with a token about to lapse. */
const REFRESH_MARGIN_MS = 60_000;

export class Session {
  private auth!: AuthPayloadFieldsFragment;
  /** When to refresh: a minute before expiry, or three quarters into a shorter token's life. */
  private refreshAt = 0;
  private refreshing: Promise<void> | undefined;

  private constructor(
    private readonly anonymous: GraphClient,
    auth: AuthPayloadFieldsFragment,
  ) {
    this.setAuth(auth);
  }

  static async login(url: string, email: string, password: string): Promise<Session> {
    const anonymous = new GraphClient({ url });
    const { login } = await anonymous.request(LoginDocument, { input: { email, password } });
    return new Session(anonymous, login);
  }

  static async register(url: string, email: string, password: string, displayName: string): Promise<Session> {
    const anonymous = new GraphClient({ url });
    const { register } = await anonymous.request(RegisterDocument, { input: { email, password, displayName } });
    return new Session(anonymous, register);
  }

  get user(): AuthPayloadFieldsFragment['user'] {
    return this.auth.user;
  }

  /** A client carrying a token valid for at least a minute (chats outlast access tokens). */
  async client(): Promise<GraphClient> {
    if (Date.now() >= this.refreshAt) {
      // Concurrent callers share one refresh: refresh tokens are single use.
      this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
      await this.refreshing;
    }
    return this.anonymous.withToken(this.auth.accessToken);
  }

  /**
   * A fresh access token now: the gateway closed a socket with 4401 because the token it
   * was opened with expired (sockets keep the token they connected with). Fails when
   * the session itself has ended (logout elsewhere, password change).
   */
  async renew(): Promise<void> {
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    await this.refreshing;
  }

  /** Ends the session on the server; best effort, bounded, since it runs on the way out. */
  async logout(): Promise<void> {
    try {
      const client = await this.client(); // an expired access token could not end the session
      await client.request(LogoutDocument, undefined, { signal: AbortSignal.timeout(3_000) });
    } catch (error) {
      // An expired or already-ended session is logged out anyway.
      if (!(error instanceof GraphError && error.code === 'UNAUTHENTICATED')) throw error;
    }
  }

  private async refresh(): Promise<void> {
    const { refreshToken } = await this.anonymous.request(RefreshTokenDocument, {
      refreshToken: this.auth.refreshToken,
    });
    this.setAuth(refreshToken);
  }

  private setAuth(auth: AuthPayloadFieldsFragment): void {
    this.auth = auth;
    const expiresAt = Date.parse(auth.expiresAt);
    const lifetime = Math.max(0, expiresAt - Date.now());
    this.refreshAt = expiresAt - Math.min(REFRESH_MARGIN_MS, lifetime / 4);
  }
}

/** One line for the user: the GraphQL code and message, or why the server could not be reached. */
export function describeError(error: unknown): string {
  if (error instanceof GraphError) return error.message;
  if (error instanceof Error) {
    // fetch hides the interesting part (ECONNREFUSED, ENOTFOUND, …) in its cause.
    const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
    const detail =
      typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : '';
    return detail ? `${error.message} (${detail})` : error.message;
  }
  return String(error);
}
