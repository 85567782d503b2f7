import { randomBytes, randomFillSync } from 'node:crypto';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

// Random bytes are drawn 4 KB at a time: one system call per 512 ids.
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;
let lastMs = 0;
let counter = 0;

/**
 * A new GUID (lower case, as Dataverse and BC print them), time-ordered as RFC 9562's version 7:
 * 48 bits of Unix milliseconds, a 12-bit counter that keeps ids of the same millisecond in order,
 * then 62 random bits. Ids made one after the other sort one after the other, so a bulk insert
 * appends to the right edge of every index keyed by them instead of touching a random page per row
 * (BC's `CreateSequentialGuid` exists for the same reason). Wall-clock time, not the engine's
 * clock: only the order matters, and tests that freeze time still need distinct, ordered ids.
 */
export function newId(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    // More than 4,096 ids in one millisecond (or the clock went back): borrow the next one.
    lastMs++;
    counter = 0;
  }
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const r = poolAt;
  poolAt += 8;
  const high = Math.floor(lastMs / 0x100000000);
  const low = lastMs >>> 0;
  return (
    HEX[(high >>> 8) & 0xff]! +
    HEX[high & 0xff]! +
    HEX[low >>> 24]! +
    HEX[(low >>> 16) & 0xff]! +
    '-' +
    HEX[(low >>> 8) & 0xff]! +
    HEX[low & 0xff]! +
    '-' +
    HEX[0x70 | (counter >>> 8)]! +
    HEX[counter & 0xff]! +
    '-' +
    HEX[0x80 | (pool[r]! & 0x3f)]! +
    HEX[pool[r + 1]!]! +
    '-' +
    HEX[pool[r + 2]!]! +
    HEX[pool[r + 3]!]! +
    HEX[pool[r + 4]!]! +
    HEX[pool[r + 5]!]! +
    HEX[pool[r + 6]!]! +
    HEX[pool[r + 7]!]!
  );
}

/** True when the text is a GUID in the 8-4-4-4-12 form. */
export const isGuid = (text: string): boolean => GUID.test(text);

/** A URL-safe random secret of `bytes` bytes of entropy. */
export const randomSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');
