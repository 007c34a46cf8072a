import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

/** Random bytes fetched per refill: 256 UUIDs' worth. */
const POOL_BYTES = 16 * 256;
const pool = new Uint8Array(POOL_BYTES);
let poolAt = POOL_BYTES;

/** Last timestamp and 32-bit counter handed out: ids made in one millisecond still sort in order. */
let lastMs = -Infinity;
let seq = 0;

/**
 * A UUID v7 from the `uuid` package, its random bytes from a pool refilled 4 KiB at a time: the
 * package draws 16 fresh bytes from the system for every id, which cost more than the rest of
 * making it, and a batch of cases makes thousands. Given its bytes, the package no longer keeps
 * its own time and counter, so they are kept here by its rule (a counter seeded from the random
 * bytes each millisecond and incremented within it): ids still sort by creation.
 */
export function uuidv7(): string {
  if (poolAt === POOL_BYTES) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const random = pool.subarray(poolAt, (poolAt += 16));
  const now = Date.now();
  if (now > lastMs) {
    seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
    lastMs = now;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs++;
  }
  return v7({ random, msecs: lastMs, seq });
}
