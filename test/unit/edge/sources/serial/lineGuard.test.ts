import { describe, expect, it } from 'vitest';
import { LineGuard } from '../../../../../edge/sources/serial/lineGuard.js';

async function feed(max: number, chunks: (string | Buffer)[]): Promise<{ lines: string[]; overlong: number[] }> {
  const overlong: number[] = [];
  const guard = new LineGuard(max, (bytes) => overlong.push(bytes));
  const lines: string[] = [];
  guard.on('data', (chunk: Buffer) => lines.push(chunk.toString('latin1')));
  for (const chunk of chunks) guard.write(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
  guard.end();
  await new Promise((r) => guard.on('finish', r));
  return { lines, overlong };
}

describe('LineGuard (the length limit parser-readline does not have)', () => {
  it('passes lines through whole, however they are chunked', async () => {
    const { lines } = await feed(20, ['ab', 'c\nde', 'f\r\n', 'g\n']);
    expect(lines).toEqual(['abc\n', 'def\r\n', 'g\n']);
  });

  it('drops an overlong line whole and counts it once, keeping its neighbours', async () => {
    const { lines, overlong } = await feed(10, ['ok1\n', 'x'.repeat(25), 'y'.repeat(25), '\nok2\n']);
    expect(lines).toEqual(['ok1\n', 'ok2\n']);
    expect(overlong).toEqual([51]);
  });

  it('accepts a line of exactly the limit', async () => {
    const { lines, overlong } = await feed(10, [`${'a'.repeat(10)}\n`, `${'b'.repeat(11)}\n`]);
    expect(lines).toEqual([`${'a'.repeat(10)}\n`]);
    expect(overlong).toHaveLength(1);
  });

  it('keeps memory bounded while garbage without a line end streams in', async () => {
    const overlong: number[] = [];
    const guard = new LineGuard(160, (bytes) => overlong.push(bytes));
    const out: Buffer[] = [];
    guard.on('data', (c: Buffer) => out.push(c));
    const megabyte = Buffer.alloc(1024 * 1024, 0x41);
    for (let i = 0; i < 20; i++) guard.write(megabyte);
    // Internal buffering must not grow with the 20 MB of garbage.
    expect((guard as unknown as { pending: Buffer[] }).pending.length).toBe(0);
    guard.write(Buffer.from('\nM1,1,B,1*0000\n'));
    guard.end();
    await new Promise((r) => guard.on('finish', r));
    expect(overlong).toEqual([20 * 1024 * 1024 + 1]);
    expect(Buffer.concat(out).toString()).toBe('M1,1,B,1*0000\n');
  });
});
