// A kept session: requests carry a valid access token, renewed with the stored refresh token when it lapses.
import {
  LoginDocument,
  LogoutDocument,
  RefreshTokenDocument,
  type AuthPayloadFieldsFragment,
} from '../generated/graphql.js';
import { GraphClient, GraphError, type DocumentInput } from '../sdk.js';
import type { SessionStore, StoredSession } from './session-store.js';

/** Renew when the access token has less than this left: it must outlast the request it goes with. */
const RENEW_MARGIN_MS = 5_000;

/** No usable session for this graph: the user has to run `nexus-analyst login`. */
export class NotSignedIn extends Error {
  override name = 'NotSignedIn';
  constructor(url: string, why = 'not signed in') {
    super(`${why} at ${url}: run nexus-analyst login`);
  }
}

function stored(auth: AuthPayloadFieldsFragment): StoredSession {
  const { id, email, displayName, role } = auth.user;
  return {
    accessToken: auth.accessToken,
    refreshToken: auth.refreshToken,
    expiresAt: auth.expiresAt,
    user: { id, email: email ?? null, displayName, role },
  };
}

export class AnalystSession {
  private readonly anonymous: GraphClient;
  /** Renewals this process made (tests and the live view's status line read it). */
  renewals = 0;

  private constructor(
    private readonly store: SessionStore,
    readonly url: string,
    private session: StoredSession,
  ) {
    this.anonymous = new GraphClient({ url });
  }

  /** Signs in and keeps the session, replacing any earlier one for this graph. */
  static async login(store: SessionStore, url: string, email: string, password: string): Promise<AnalystSession> {
    const { login } = await new GraphClient({ url }).request(LoginDocument, { input: { email, password } });
    const session = stored(login);
    await store.set(url, session);
    return new AnalystSession(store, url, session);
  }

  /** The kept session for this graph; throws NotSignedIn when there is none. */
  static async open(store: SessionStore, url: string): Promise<AnalystSession> {
    const session = await store.get(url);
    if (!session) throw new NotSignedIn(url);
    return new AnalystSession(store, url, session);
  }

  get user(): StoredSession['user'] {
    return this.session.user;
  }

  /** Runs an operation as the signed-in user; an access token that lapsed is renewed and the request sent again. */
  async request<TResult, TVars>(document: DocumentInput<TResult, TVars>, variables?: NoInfer<TVars>): Promise<TResult> {
    const client = this.anonymous.withToken(await this.accessToken());
    try {
      return await client.request(document, variables);
    } catch (error) {
      if (!(error instanceof GraphError && error.code === 'UNAUTHENTICATED')) throw error;
      await this.renew();
      return this.anonymous.withToken(this.session.accessToken).request(document, variables);
    }
  }

  /** An access token with a few seconds left at least (renewed first when needed). */
  async accessToken(): Promise<string> {
    if (Date.parse(this.session.expiresAt) - Date.now() < RENEW_MARGIN_MS) await this.renew();
    return this.session.accessToken;
  }

  /**
   * A new access token from the refresh token, kept for the next run. Under the store's lock:
   * when another process renewed meanwhile, its (still valid) tokens are taken instead of
   * spending a refresh token that is no longer ours to spend.
   */
  async renew(): Promise<void> {
    const used = this.session.refreshToken;
    await this.store.exclusive(async () => {
      const current = await this.store.get(this.url);
      if (!current) throw new NotSignedIn(this.url, 'signed out');
      if (current.refreshToken !== used && Date.parse(current.expiresAt) - Date.now() >= RENEW_MARGIN_MS) {
        this.session = current;
        return;
      }
      try {
        const { refreshToken } = await this.anonymous.request(RefreshTokenDocument, {
          refreshToken: current.refreshToken,
        });
        this.session = stored(refreshToken);
      } catch (error) {
        if (!(error instanceof GraphError && error.code === 'UNAUTHENTICATED')) throw error;
        // The session ended on the server (signed out elsewhere, password changed, expired).
        await this.store.delete(this.url);
        throw new NotSignedIn(this.url, `session ended (${error.message})`);
      }
      await this.store.set(this.url, this.session);
      this.renewals++;
    });
  }

  /** Ends the session on the server (best effort) and forgets it here. */
  async logout(): Promise<void> {
    try {
      await this.request(LogoutDocument);
    } catch (error) {
      if (!(error instanceof NotSignedIn || (error instanceof GraphError && error.code === 'UNAUTHENTICATED'))) {
        throw error;
      }
    } finally {
      await this.store.delete(this.url);
    }
  }
}
