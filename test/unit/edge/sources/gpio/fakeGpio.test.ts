/** Checks that the fake behaves like onoff where the driver depends on it, so the driver's tests mean something. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GpioLevel } from '../../../../../edge/sources/gpio/index.js';
import { FakeGpioBoard } from './fakeGpio.js';
import { PI4_KERNEL_6_6 } from './fakeSysfs.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('FakeGpioBoard', () => {
  it('reads the physical level XOR activeLow', () => {
    const board = new FakeGpioBoard(PI4_KERNEL_6_6);
    const plain = new board.Gpio(529, 'in', 'both', { activeLow: false });
    const inverted = new board.Gpio(530, 'in', 'both', { activeLow: true });
    expect([plain.readSync(), inverted.readSync()]).toEqual([0, 1]);
    board.setLevel(529, 1);
    board.setLevel(530, 1);
    expect([plain.readSync(), inverted.readSync()]).toEqual([1, 0]);
  });

  it('debounces like lodash trailing: one callback, debounceTimeout after the last edge, with the value read then', async () => {
    const board = new FakeGpioBoard(PI4_KERNEL_6_6);
    const pin = new board.Gpio(529, 'in', 'both', { debounceTimeout: 20 });
    const seen: Array<[number, GpioLevel]> = [];
    pin.watch((_err, value) => seen.push([Date.now(), value]));
    const t0 = Date.now();
    board.setLevel(529, 1);
    await vi.advanceTimersByTimeAsync(15);
    board.setLevel(529, 0);
    await vi.advanceTimersByTimeAsync(15);
    board.setLevel(529, 1);
    await vi.advanceTimersByTimeAsync(19);
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen).toEqual([[t0 + 50, 1]]);
  });

  it('refuses a number outside every chip with EINVAL, and injected failures once', () => {
    const board = new FakeGpioBoard(PI4_KERNEL_6_6);
    expect(() => new board.Gpio(17, 'in', 'both', {})).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    board.failOpen(529, 'EBUSY');
    expect(() => new board.Gpio(529, 'in', 'both', {})).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    expect(() => new board.Gpio(529, 'in', 'both', {})).not.toThrow();
    expect(board.sysfsWrites).toEqual(['export 529']);
  });

  it('throws EBADF like onoff when a debounced handler outlives unexport()', async () => {
    const board = new FakeGpioBoard(PI4_KERNEL_6_6);
    const pin = new board.Gpio(529, 'in', 'both', { debounceTimeout: 20 });
    pin.watch(() => undefined);
    board.setLevel(529, 1);
    pin.unexport();
    expect(board.sysfsWrites).toEqual(['export 529', 'unexport 529']);
    await expect(vi.advanceTimersByTimeAsync(20)).rejects.toMatchObject({ code: 'EBADF' });
    expect(() => pin.unexport()).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('reports accessible through the static getter', () => {
    const board = new FakeGpioBoard(PI4_KERNEL_6_6);
    expect(board.Gpio.accessible).toBe(true);
    board.accessible = false;
    expect(board.Gpio.accessible).toBe(false);
  });
});
