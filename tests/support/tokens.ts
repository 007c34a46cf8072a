import { SignJWT } from 'jose';
import type { Config } from '../../platform/config.js';

/** Hand-made tokens for the forged/expired cases: the gateway must refuse every one. */
export async function signToken(
  config: Config,
  claims: { sub: string; sid: string; role: string },
  options: { secret?: string; expiresInSeconds?: number; issuedAt?: number } = {},
): Promise<string> {
  const now = options.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ role: claims.role, sid: claims.sid })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(config.JWT_ISSUER)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? 600))
    .sign(new TextEncoder().encode(options.secret ?? config.jwtSecret));
}

export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned token ("alg": "none") with the given payload. */
export function unsignedToken(payload: Record<string, unknown>): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}

/** The same signature over a payload changed after signing. */
export function tamperedToken(token: string, changes: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64({ ...decodePayload(token), ...changes })}.${signature}`;
}
