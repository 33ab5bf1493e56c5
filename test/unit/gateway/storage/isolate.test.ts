/** Finding the refused points of a batch by halving it: every other point stored, every refused one found with its reason. */
import { describe, expect, it } from 'vitest';
import { PointsRefusedError, writeIsolating } from '../../../../gateway/storage/isolate.js';
import { range } from './helpers.js';

/** A store like InfluxDB 1.x: stores the good points of a write, and refuses it naming only the first offender. */
function partialWriter(bad: Set<number>) {
  const stored = new Set<number>();
  const writes: number[][] = [];
  const writeOnce = async (chunk: number[]) => {
    writes.push(chunk);
    for (const n of chunk) if (!bad.has(n)) stored.add(n);
    const first = chunk.find((n) => bad.has(n));
    if (first !== undefined) throw new PointsRefusedError(`partial write: point ${first} refused`);
  };
  return { stored, writes, writeOnce };
}

describe('writeIsolating', () => {
  it('finds each refused point with its own reason and stores all the others', async () => {
    const bad = new Set([0, 17, 18, 999]);
    const store = partialWriter(bad);
    const refused = await writeIsolating(range(0, 1000), store.writeOnce);
    expect(refused.map((r) => r.point).sort((a, b) => a - b)).toEqual([...bad]);
    expect(refused.find((r) => r.point === 17)?.reason).toBe('partial write: point 17 refused');
    expect(store.stored.size).toBe(996);
  });

  it('writes a clean batch once; one bad point costs a few rounds of side-by-side writes, each a 16th of the last', async () => {
    const clean = partialWriter(new Set());
    expect(await writeIsolating(range(0, 5000), clean.writeOnce)).toEqual([]);
    expect(clean.writes).toHaveLength(1);
    const poisoned = partialWriter(new Set([2500]));
    expect((await writeIsolating(range(0, 5000), poisoned.writeOnce)).map((r) => r.point)).toEqual([2500]);
    // Each round cuts the refused chunk in 16: 5000 → 313 → 20 → 2 → 1, at most 16 writes a round.
    expect(poisoned.writes.length).toBeLessThanOrEqual(1 + 16 * 4);
    expect(poisoned.stored.size).toBe(4999);
  });

  it('takes out the points the store names (a field type conflict) and writes the rest once more, whole', async () => {
    const writes: number[][] = [];
    const writeOnce = async (chunk: number[]) => {
      writes.push(chunk);
      if (chunk.some((n) => n % 100 === 7)) throw new PointsRefusedError<number>('field type conflict', { culprit: (n) => n % 100 === 7 });
    };
    const refused = await writeIsolating(range(0, 300), writeOnce);
    expect(refused.map((r) => r.point)).toEqual([7, 107, 207]);
    expect(writes.map((w) => w.length)).toEqual([300, 297]);
  });

  it('still finds a refusal the store did not name behind one it named (InfluxDB reports one reason per write)', async () => {
    const writeOnce = async (chunk: number[]) => {
      if (chunk.includes(7)) throw new PointsRefusedError<number>('field type conflict', { culprit: (n) => n === 7 });
      if (chunk.includes(150)) throw new PointsRefusedError<number>('points beyond retention policy');
    };
    const refused = await writeIsolating(range(0, 300), writeOnce);
    expect(refused.map((r) => [r.point, r.reason])).toEqual([
      [7, 'field type conflict'],
      [150, 'points beyond retention policy'],
    ]);
  });

  it('throws an outage as it is, for the caller to retry the whole batch', async () => {
    let calls = 0;
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const writeOnce = async (chunk: number[]) => {
      calls++;
      if (calls === 1) throw new PointsRefusedError('partial write');
      if (chunk.length < 100) throw outage;
    };
    await expect(writeIsolating(range(0, 100), writeOnce)).rejects.toBe(outage);
  });
});
