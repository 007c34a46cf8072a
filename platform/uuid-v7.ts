import { randomFillSync } from 'node:crypto';

/** Random bytes fetched per refill: 256 UUIDs' worth. */
const POOL_BYTES = 16 * 256;
const pool = new Uint8Array(POOL_BYTES);
let poolAt = POOL_BYTES;

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Last timestamp and 32-bit counter handed out: ids made in one millisecond still sort in order. */
let lastMs = -1;
let seq = 0;

/**
 * A UUID v7 with the `uuid` package's layout (48-bit ms timestamp, then a 32-bit counter seeded
 * randomly each millisecond and incremented within it, then random bits), so ids made by either
 * keep sorting by creation. Random bytes come from a pool refilled 4 KiB at a time: one
 * `randomFillSync` per id cost more than the rest of making it, and a batch of cases makes
 * thousands.
 */
export function uuidv7(): string {
  if (poolAt === POOL_BYTES) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const r = poolAt;
  poolAt += 16;
  let ms = Date.now();
  if (ms > lastMs) {
    seq = ((pool[r + 6]! & 0x7f) << 24) | (pool[r + 7]! << 16) | (pool[r + 8]! << 8) | pool[r + 9]!;
    lastMs = ms;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs++;
    ms = lastMs;
  }
  const high = Math.floor(ms / 0x100000000);
  const low = ms >>> 0;
  return (
    HEX[(high >>> 8) & 0xff]! +
    HEX[high & 0xff]! +
    HEX[low >>> 24]! +
    HEX[(low >>> 16) & 0xff]! +
    '-' +
    HEX[(low >>> 8) & 0xff]! +
    HEX[low & 0xff]! +
    '-' +
    HEX[0x70 | ((seq >>> 28) & 0x0f)]! +
    HEX[(seq >>> 20) & 0xff]! +
    '-' +
    HEX[0x80 | ((seq >>> 14) & 0x3f)]! +
    HEX[(seq >>> 6) & 0xff]! +
    '-' +
    HEX[((seq << 2) & 0xff) | (pool[r + 10]! & 0x03)]! +
    HEX[pool[r + 11]!]! +
    HEX[pool[r + 12]!]! +
    HEX[pool[r + 13]!]! +
    HEX[pool[r + 14]!]! +
    HEX[pool[r + 15]!]!
  );
}
