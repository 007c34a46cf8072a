import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of the shared secret the gateway sends to subgraphs. */
export function isGatewaySecret(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
