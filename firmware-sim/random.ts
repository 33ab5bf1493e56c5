/** Seeded pseudo-random numbers for the simulator, so that one seed always replays the same factory day. */

/** mulberry32: tiny and fast, plenty for sensor noise and cycle lengths (not for anything secret). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string: turns node and channel ids into seeds. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Mixes integers (seed, channel salt, a time in ms, …) into one 32-bit hash. Noise is a function of
 * the time it is asked for rather than a stream of draws, so a sample at time t never depends on
 * which samples were taken before it. Times above 2^32 ms keep all their bits.
 */
export function hashInts(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const raw of values) {
    const value = Math.floor(raw);
    const low = value >>> 0;
    const high = Math.floor(value / 4294967296) >>> 0;
    h = fmix32((h ^ low) + 0x7f4a7c15);
    h = fmix32((h ^ high) + 0x7f4a7c15);
  }
  return h;
}

/** A uniform number in [0, 1) fixed by its inputs. */
export function uniformAt(...values: number[]): number {
  return hashInts(...values) / 4294967296;
}

/** A uniform number in [low, high) drawn from a generator. */
export function between(random: () => number, low: number, high: number): number {
  return low + (high - low) * random();
}
