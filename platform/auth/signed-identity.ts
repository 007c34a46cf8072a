import { createHmac, timingSafeEqual } from 'node:crypto';
import { isRestriction, isRole, type Identity, type Restriction } from './identity.js';

/**
 * Identity the gateway hands a subgraph per operation: `<payload>.<signature>`, both
 * base64url, the payload `{u, r, s, e, x?}` (user id, role, session id, expiry in unix
 * seconds, the restriction of a restricted session) and the signature an HMAC-SHA256 over the payload text. The key is derived
 * from the gateway secret, so only the gateway can mint one, and a token lifted from a
 * log or a shared socket stops working at its expiry.
 */
export type Verification = { identity: Identity } | { error: 'malformed' | 'bad-signature' | 'expired' };

interface Payload {
  u: string;
  r: string;
  s: string;
  e: number;
  x?: Restriction;
}

/** A separate key for identity tokens: the raw secret also travels as the x-gateway-secret header. */
function keyOf(secret: string): Buffer {
  return createHmac('sha256', secret).update('nexus signed identity v1').digest();
}

function sign(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

export function signIdentity(identity: Identity, secret: string, ttlSeconds: number, now = nowSeconds()): string {
  return signWith(keyOf(secret), identity, now + ttlSeconds);
}

function signWith(key: Buffer, identity: Identity, expiresAt: number): string {
  const body: Payload = { u: identity.userId, r: identity.role, s: identity.sessionId, e: expiresAt };
  if (identity.restricted) body.x = identity.restricted;
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${payload}.${sign(key, payload)}`;
}

export function verifyIdentity(token: string, secret: string, now = nowSeconds()): Verification {
  return verifyWith(keyOf(secret), token, now);
}

function verifyWith(key: Buffer, token: string, now: number): Verification {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return { error: 'malformed' };
  const payload = token.slice(0, dot);
  const presented = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = Buffer.from(sign(key, payload), 'base64url');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return { error: 'bad-signature' };
  let body: Partial<Payload>;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<Payload>;
  } catch {
    return { error: 'malformed' };
  }
  const { u, r, s, e, x } = body;
  if (typeof u !== 'string' || !u || typeof s !== 'string' || !s || !isRole(r) || typeof e !== 'number') {
    return { error: 'malformed' };
  }
  if (x !== undefined && !isRestriction(x)) return { error: 'malformed' };
  if (e <= now) return { error: 'expired' };
  const identity: Identity = { userId: u, role: r, sessionId: s };
  if (x) identity.restricted = x;
  return { identity };
}

/**
 * The gateway's side: signs identities, reusing a token until half its lifetime is
 * gone (an HMAC per request is cheap, but a streaming chunk costs less without it).
 */
export class IdentitySigner {
  private readonly key: Buffer;
  private readonly cache = new Map<string, { token: string; renewAt: number }>();

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = keyOf(secret);
  }

  sign(identity: Identity): string {
    const now = nowSeconds();
    const restricted = identity.restricted ? `${identity.restricted.status}:${identity.restricted.until}` : '';
    const cacheKey = `${identity.userId}\n${identity.role}\n${identity.sessionId}\n${restricted}`;
    const cached = this.cache.get(cacheKey);
    if (cached && cached.renewAt > now) return cached.token;
    const token = signWith(this.key, identity, now + this.ttlSeconds);
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(cacheKey, { token, renewAt: now + Math.floor(this.ttlSeconds / 2) });
    return token;
  }
}

/** The subgraph's side: one derived key, verified per operation. */
export class IdentityVerifier {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = keyOf(secret);
  }

  verify(token: string, now = nowSeconds()): Verification {
    return verifyWith(this.key, token, now);
  }
}
