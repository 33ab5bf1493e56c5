/** Tests the GPIO input source against a fake onoff: initial level, edges, inversion, debounce, errors and shutdown. */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GpioInputConfig } from '../../../../../config/schema.js';
import { createGpioInput, GpioError, type GpioInputSource } from '../../../../../edge/sources/gpio/index.js';
import type { SourceContext, SourceEvent } from '../../../../../edge/sources/types.js';
import { FakeGpioBoard } from './fakeGpio.js';
import { type FakeSysfs, makeFakeSysfs, PI4_KERNEL_6_6, PI4_OLD_KERNEL } from './fakeSysfs.js';

const T0 = Date.UTC(2025, 5, 2, 8, 0, 0);
const GREEN_LAMP: GpioInputConfig = { id: 'press1-green', pin: 17, activeLow: false, debounceMs: 0 };
const SYSFS_17 = 529; // BCM 17 on a Pi 4 with kernel 6.6+

interface Harness {
  board: FakeGpioBoard;
  source: GpioInputSource;
  events: SourceEvent[];
  logs: Array<{ level: number; msg: string; [key: string]: unknown }>;
  /** The digital values emitted so far, in order. */
  values(): Array<0 | 1>;
}

let fakeSysfs: FakeSysfs;
beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  fakeSysfs = makeFakeSysfs(PI4_KERNEL_6_6);
});
afterEach(() => {
  vi.useRealTimers();
  fakeSysfs.remove();
});

function harness(cfg: Partial<GpioInputConfig> = {}, board = new FakeGpioBoard(PI4_KERNEL_6_6), sysfsRoot = fakeSysfs.root): Harness {
  const events: SourceEvent[] = [];
  const logs: Harness['logs'] = [];
  const ctx: SourceContext = {
    emit: (event) => events.push(event),
    log: pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) }),
    now: () => Date.now(),
  };
  const source = createGpioInput({ ...GREEN_LAMP, ...cfg }, ctx, { Gpio: board.Gpio, sysfsRoot });
  const values = () => events.flatMap((event) => (event.kind === 'digital' ? [event.value] : []));
  return { board, source, events, logs, values };
}

/** stop() may wait out onoff's debounce timer, so the fake clock has to run while it does. */
async function stopped(source: GpioInputSource): Promise<void> {
  const stopping = source.stop();
  await vi.advanceTimersByTimeAsync(10_000);
  await stopping;
}

async function rejection(promise: Promise<unknown>): Promise<GpioError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GpioError);
  return error as GpioError;
}

describe('createGpioInput', () => {
  it('opens base + pin as an interrupting input and emits the current level, then online', async () => {
    const { board, source, events } = harness({ debounceMs: 30, activeLow: false });
    board.setLevel(SYSFS_17, 1);
    await source.start();

    expect(board.opens).toEqual([{ gpio: SYSFS_17, direction: 'in', edge: 'both', options: { debounceTimeout: 30, activeLow: false } }]);
    expect(board.sysfsWrites).toEqual([`export ${SYSFS_17}`]);
    expect(source.id).toBe('press1-green');
    expect(events).toEqual([
      { kind: 'digital', sourceId: 'press1-green', ts: T0, value: 1 },
      { kind: 'online', sourceId: 'press1-green', ts: T0, online: true, detail: 'BCM 17 = sysfs gpio529' },
    ]);
  });

  it('opens the bare BCM number on an old kernel', async () => {
    const oldSysfs = makeFakeSysfs(PI4_OLD_KERNEL);
    try {
      const { board, source } = harness({}, new FakeGpioBoard(PI4_OLD_KERNEL), oldSysfs.root);
      await source.start();
      expect(board.opens.map((open) => open.gpio)).toEqual([17]);
    } finally {
      oldSysfs.remove();
    }
  });

  it('emits each change with the time it was reported', async () => {
    const { board, source, events, values } = harness();
    await source.start();

    await vi.advanceTimersByTimeAsync(1000);
    board.setLevel(SYSFS_17, 1);
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(4000);
    board.setLevel(SYSFS_17, 0);
    await vi.advanceTimersByTimeAsync(1);

    expect(values()).toEqual([0, 1, 0]);
    const changes = events.filter((event) => event.kind === 'digital').slice(1);
    expect(changes.map((event) => event.ts)).toEqual([T0 + 1000, T0 + 5001]);
    expect(source.stats).toEqual({ changes: 2, repeatsSuppressed: 0, watchErrors: 0 });
  });

  it('inverts an active-low input: a lamp that pulls the line low reads 1', async () => {
    const { board, source, values } = harness({ activeLow: true });
    board.setLevel(SYSFS_17, 1); // opto output high: lamp off
    await source.start();
    board.setLevel(SYSFS_17, 0); // lamp lit pulls the line low
    await vi.advanceTimersByTimeAsync(1);
    board.setLevel(SYSFS_17, 1);
    await vi.advanceTimersByTimeAsync(1);

    expect(board.opens[0]?.options).toEqual({ debounceTimeout: 0, activeLow: true });
    expect(values()).toEqual([0, 1, 0]);
  });

  it('turns a contact bounce within debounceMs into a single change, reported once the line is quiet', async () => {
    const { board, source, values, events } = harness({ debounceMs: 50 });
    await source.start();

    // A relay contact chattering for 12 ms before it settles high.
    for (const level of [1, 0, 1, 0, 1] as const) {
      board.setLevel(SYSFS_17, level);
      await vi.advanceTimersByTimeAsync(3);
    }
    // The last edge was at T0 + 12; nothing is reported until 50 ms after it.
    await vi.advanceTimersByTimeAsync(12 + 50 - 15 - 1);
    expect(values()).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(values()).toEqual([0, 1]);
    expect(events.at(-1)).toMatchObject({ kind: 'digital', ts: T0 + 62, value: 1 });

    await vi.advanceTimersByTimeAsync(1000);
    expect(values()).toEqual([0, 1]);
    expect(source.stats.changes).toBe(1);
  });

  it('suppresses a report that repeats the last value (a glitch that settles back, or two edges read late)', async () => {
    const debounced = harness({ debounceMs: 50 });
    await debounced.source.start();
    debounced.board.setLevel(SYSFS_17, 1);
    await vi.advanceTimersByTimeAsync(10);
    debounced.board.setLevel(SYSFS_17, 0); // back where it started before the debounce ran out
    await vi.advanceTimersByTimeAsync(100);
    expect(debounced.values()).toEqual([0]);
    expect(debounced.source.stats).toEqual({ changes: 0, repeatsSuppressed: 1, watchErrors: 0 });

    // Without a debounce each edge is its own interrupt, but both handlers read the level after the second edge.
    const raw = harness({ id: 'press1-red', pin: 22 });
    await raw.source.start();
    raw.board.setLevel(534, 1);
    raw.board.setLevel(534, 0);
    raw.board.setLevel(534, 1);
    await vi.advanceTimersByTimeAsync(1);
    expect(raw.values()).toEqual([0, 1]);
    expect(raw.source.stats).toEqual({ changes: 1, repeatsSuppressed: 2, watchErrors: 0 });
  });

  it('logs and counts an interrupt error without throwing, and keeps reporting edges', async () => {
    const { board, source, logs, values } = harness();
    await source.start();
    board.interruptError(SYSFS_17, new Error('epoll_wait failed'));
    await vi.advanceTimersByTimeAsync(1);

    expect(source.stats.watchErrors).toBe(1);
    const warning = logs.find((line) => line.level === 40);
    expect(warning?.msg).toContain("GPIO input 'press1-green' (BCM 17)");
    expect(warning).toMatchObject({ sourceId: 'press1-green', gpio: SYSFS_17, err: { message: 'epoll_wait failed' } });

    board.setLevel(SYSFS_17, 1);
    await vi.advanceTimersByTimeAsync(1);
    expect(values()).toEqual([0, 1]);
  });

  it('counts an emit that throws inside the interrupt callback instead of letting it escape', async () => {
    const events: SourceEvent[] = [];
    const board = new FakeGpioBoard(PI4_KERNEL_6_6);
    const ctx: SourceContext = {
      emit: (event) => {
        if (event.kind === 'digital' && events.length > 0) throw new Error('downstream queue full');
        events.push(event);
      },
      log: pino({ level: 'silent' }),
      now: () => Date.now(),
    };
    const source = createGpioInput(GREEN_LAMP, ctx, { Gpio: board.Gpio, sysfsRoot: fakeSysfs.root });
    await source.start();
    board.setLevel(SYSFS_17, 1);
    await vi.advanceTimersByTimeAsync(1);
    expect(source.stats.watchErrors).toBe(1);
  });

  it('stops by unexporting once and reporting offline; a second stop does nothing', async () => {
    const { board, source, events, values } = harness();
    await source.start();
    await source.stop();
    await source.stop();

    expect(board.sysfsWrites).toEqual([`export ${SYSFS_17}`, `unexport ${SYSFS_17}`]);
    expect(board.exported.size).toBe(0);
    expect(events.filter((event) => event.kind === 'online').map((event) => event.kind === 'online' && event.online)).toEqual([
      true,
      false,
    ]);
    expect(events.at(-1)).toEqual({ kind: 'online', sourceId: 'press1-green', ts: T0, online: false, detail: 'stopped' });

    board.setLevel(SYSFS_17, 1);
    await vi.advanceTimersByTimeAsync(100);
    expect(values()).toEqual([0]);
  });

  it('drops an edge that was already queued when stop() ran', async () => {
    const { board, source, values } = harness();
    await source.start();
    board.setLevel(SYSFS_17, 1); // queued for the next turn of the loop
    await source.stop();
    await vi.advanceTimersByTimeAsync(10);
    expect(values()).toEqual([0]);
  });

  it('waits out a pending debounce before unexporting, so onoff never reads a closed fd', async () => {
    const { board, source, values } = harness({ debounceMs: 50 });
    await source.start();
    board.setLevel(SYSFS_17, 1);
    await vi.advanceTimersByTimeAsync(10);

    const stopping = source.stop();
    await vi.advanceTimersByTimeAsync(30);
    expect(board.unexports(SYSFS_17)).toBe(0); // onoff's debounce timer is still armed
    // The fake, like onoff, throws EBADF from that timer if the fd were closed; advancing past it must not throw.
    await vi.advanceTimersByTimeAsync(100);
    await stopping;
    expect(board.unexports(SYSFS_17)).toBe(1);
    expect(values()).toEqual([0]);
  });

  it('still stops, logs, and stays silent when the pin cannot be released', async () => {
    const { board, source, events, logs, values } = harness();
    await source.start();
    board.failUnwatch = true;
    await source.stop();

    expect(events.at(-1)).toMatchObject({ kind: 'online', online: false });
    const warnings = logs.filter((line) => line.level === 40).map((line) => line.msg);
    expect(warnings).toEqual([
      "GPIO input 'press1-green' (BCM 17): unwatch failed while stopping",
      "GPIO input 'press1-green' (BCM 17): unexport failed while stopping",
    ]);
    board.setLevel(SYSFS_17, 1); // onoff still has our listener
    await vi.advanceTimersByTimeAsync(10);
    expect(values()).toEqual([0]);
    expect(source.stats.changes).toBe(0);
  });

  it('can start again after a stop, and a start right after stop() still ends running', async () => {
    const { board, source, values } = harness({ debounceMs: 20 });
    await source.start();
    const stopping = source.stop();
    const restarting = source.start();
    await vi.advanceTimersByTimeAsync(100);
    await stopping;
    await restarting;

    expect(board.sysfsWrites).toEqual([`export ${SYSFS_17}`, `unexport ${SYSFS_17}`, `export ${SYSFS_17}`]);
    board.setLevel(SYSFS_17, 1);
    await vi.advanceTimersByTimeAsync(20);
    expect(values()).toEqual([0, 0, 1]);
    await stopped(source);
    expect(board.exported.size).toBe(0);
  });

  it('opens the pin once when started twice', async () => {
    const { board, source, events } = harness();
    await Promise.all([source.start(), source.start()]);
    await source.start();
    expect(board.opens).toHaveLength(1);
    expect(events.filter((event) => event.kind === 'online')).toHaveLength(1);
  });

  it('stop() before start() emits nothing', async () => {
    const { board, source, events } = harness();
    await source.stop();
    expect(events).toEqual([]);
    expect(board.sysfsWrites).toEqual([]);
  });

  describe('when the pin cannot be opened', () => {
    it('says GPIO is unavailable, in English and Japanese, naming the input, when Gpio.accessible is false', async () => {
      const { board, source, events } = harness();
      board.accessible = false;
      const error = await rejection(source.start());

      expect(error.code).toBe('GPIO_UNAVAILABLE');
      expect(error.message).toContain("GPIO input 'press1-green' (BCM 17)");
      expect(error.message).toContain('not accessible on this machine');
      expect(error.message).toContain("not in the 'gpio' group");
      expect(error.message).toContain("GPIO入力 'press1-green'");
      expect(error.message).toContain('アクセスできません');
      expect(board.opens).toEqual([]);
      expect(events).toEqual([]);
    });

    it('says GPIO is unavailable when the sysfs GPIO folder does not exist', async () => {
      const { board, source } = harness({}, undefined, `${fakeSysfs.root}-missing`);
      const error = await rejection(source.start());
      expect(error.code).toBe('GPIO_UNAVAILABLE');
      expect(error.message).toContain("'press1-green'");
      expect(error.message).toContain(`${fakeSysfs.root}-missing does not exist`);
      expect(board.opens).toEqual([]);
    });

    it('names the BCM pin and the sysfs number when the kernel answers EINVAL (numbering base wrong)', async () => {
      // sysfs says base 0 but the kernel's chip sits at 512: the situation a hard-coded BCM number creates on kernel 6.6+.
      const oldLayout = makeFakeSysfs(PI4_OLD_KERNEL);
      try {
        const { source, board } = harness({}, new FakeGpioBoard(PI4_KERNEL_6_6), oldLayout.root);
        const error = await rejection(source.start());
        expect(error.code).toBe('GPIO_INVALID_NUMBER');
        expect(error.message).toContain("GPIO input 'press1-green' (BCM 17, sysfs gpio17)");
        expect(error.message).toContain('EINVAL');
        expect(error.cause).toMatchObject({ code: 'EINVAL' });
        expect(board.exported.size).toBe(0);
      } finally {
        oldLayout.remove();
      }
    });

    it.each([
      ['EINVAL', 'GPIO_INVALID_NUMBER'],
      ['EBUSY', 'GPIO_BUSY'],
      ['EACCES', 'GPIO_ACCESS_DENIED'],
      ['EPERM', 'GPIO_ACCESS_DENIED'],
      ['EIO', 'GPIO_OPEN_FAILED'],
    ])('turns %s from the export into %s naming sysfs gpio529', async (errno, code) => {
      const { board, source, events } = harness();
      board.failOpen(SYSFS_17, errno);
      const error = await rejection(source.start());
      expect(error.code).toBe(code);
      expect(error.message).toContain("'press1-green' (BCM 17, sysfs gpio529)");
      expect(error.cause).toMatchObject({ code: errno });
      expect(events).toEqual([]);

      // The failure is not sticky: the next start opens the pin.
      await source.start();
      expect(events.map((event) => event.kind)).toEqual(['digital', 'online']);
    });

    it('passes the input name into a base-resolution error', async () => {
      const { source } = harness({ pin: 60 });
      const error = await rejection(source.start());
      expect(error.code).toBe('GPIO_PIN_OUT_OF_RANGE');
      expect(error.message).toMatch(/^GPIO input 'press1-green' \(BCM 60\): BCM pin 60 is beyond gpiochip512/);
    });
  });
});
