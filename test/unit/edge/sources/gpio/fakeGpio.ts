/** A stand-in for onoff's Gpio on a board without GPIO: tests drive the physical level and see what onoff would report. */
import type { GpioClass, GpioEdge, GpioLevel, GpioOptions, GpioPin, GpioWatchCallback } from '../../../../../edge/sources/gpio/index.js';

export interface FakeChip {
  base: number;
  ngpio: number;
  label: string;
}

export interface FakeOpen {
  gpio: number;
  direction: string;
  edge: GpioEdge | undefined;
  options: GpioOptions | undefined;
}

/** The error Node's fs raises when a sysfs write fails, which is what onoff lets escape from its constructor. */
export function errnoError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const errno: Record<string, number> = { EPERM: -1, EBADF: -9, EACCES: -13, EBUSY: -16, EINVAL: -22 };
  return Object.assign(new Error(`${code}: fake kernel error, ${syscall} '${path}'`), { code, errno: errno[code], syscall, path });
}

/**
 * One board: the kernel's GPIO chips, the physical level on each line and the exported set. Levels are physical (what the
 * opto board drives); each pin reads them through its own active_low, as sysfs does.
 */
export class FakeGpioBoard {
  /** What onoff's static `Gpio.accessible` reports (false: not a Pi, or not in the gpio group). */
  accessible = true;
  /** Makes removing a pin's fd from epoll fail, so unwatchAll() (and unexport(), which calls it first) throw. */
  failUnwatch = false;
  readonly exported = new Set<number>();
  /** `export N` / `unexport N` in the order the kernel saw them. */
  readonly sysfsWrites: string[] = [];
  readonly opens: FakeOpen[] = [];
  readonly Gpio: GpioClass;
  private readonly levels = new Map<number, GpioLevel>();
  private readonly failures = new Map<number, string>();
  private readonly pins = new Set<FakePin>();

  constructor(readonly chips: readonly FakeChip[]) {
    this.Gpio = fakeGpioClass(this);
  }

  /** The next `new Gpio(gpio, …)` throws this errno (EINVAL, EBUSY, EACCES, …) from its export write. */
  failOpen(gpio: number, code: string): void {
    this.failures.set(gpio, code);
  }

  physicalLevel(gpio: number): GpioLevel {
    return this.levels.get(gpio) ?? 0;
  }

  /** Drives the line; a change raises an edge interrupt on every open pin for it, as the kernel does. */
  setLevel(gpio: number, level: GpioLevel): void {
    if (this.physicalLevel(gpio) === level) return;
    this.levels.set(gpio, level);
    for (const pin of this.pins) if (pin.gpio === gpio) pin.interrupt(null);
  }

  /** Makes epoll report an error for this line (onoff passes it to the watch callbacks with the current value). */
  interruptError(gpio: number, error: Error): void {
    for (const pin of this.pins) if (pin.gpio === gpio) pin.interrupt(error);
  }

  unexports(gpio: number): number {
    return this.sysfsWrites.filter((write) => write === `unexport ${gpio}`).length;
  }

  /** @internal called by FakePin */
  open(pin: FakePin, open: FakeOpen): void {
    this.opens.push(open);
    const failure = this.failures.get(open.gpio);
    if (failure) {
      this.failures.delete(open.gpio);
      throw errnoError(failure, 'write', '/sys/class/gpio/export');
    }
    // A kernel 6.6+ refuses numbers outside every chip, which is how a bare BCM number fails on a Pi 4 or 5.
    if (!this.chips.some((chip) => open.gpio >= chip.base && open.gpio < chip.base + chip.ngpio)) {
      throw errnoError('EINVAL', 'write', '/sys/class/gpio/export');
    }
    // Like onoff: a line already exported (by us or by someone else) is reused rather than exported again.
    if (!this.exported.has(open.gpio)) {
      this.exported.add(open.gpio);
      this.sysfsWrites.push(`export ${open.gpio}`);
    }
    this.pins.add(pin);
  }

  /** @internal called by FakePin */
  close(pin: FakePin): void {
    this.pins.delete(pin);
    this.exported.delete(pin.gpio);
    this.sysfsWrites.push(`unexport ${pin.gpio}`);
  }
}

class FakePin implements GpioPin {
  private listeners: GpioWatchCallback[] = [];
  private closed = false;
  /** lodash debounce's trailing timer; onoff never cancels it, not even in unexport(). */
  private debounceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Undebounced epoll events already queued; removing the fd from epoll (unwatch) drops them. */
  private readonly queuedEvents = new Set<ReturnType<typeof setTimeout>>();
  private readonly activeLow: boolean;
  private readonly debounceTimeout: number;

  constructor(
    private readonly board: FakeGpioBoard,
    readonly gpio: number,
    direction: string,
    private readonly edge: GpioEdge | undefined,
    options: GpioOptions | undefined,
  ) {
    this.activeLow = options?.activeLow === true;
    this.debounceTimeout = options?.debounceTimeout ?? 0;
    board.open(this, { gpio, direction, edge, options });
  }

  readSync(): GpioLevel {
    if (this.closed) throw errnoError('EBADF', 'read', `/sys/class/gpio/gpio${this.gpio}/value`);
    // sysfs value with active_low set is the physical level inverted.
    return (this.board.physicalLevel(this.gpio) ^ (this.activeLow ? 1 : 0)) as GpioLevel;
  }

  watch(callback: GpioWatchCallback): void {
    if (this.closed) throw errnoError('EBADF', 'epoll_ctl', `/sys/class/gpio/gpio${this.gpio}/value`);
    this.listeners.push(callback);
  }

  unwatchAll(): void {
    if (this.board.failUnwatch && this.listeners.length > 0)
      throw errnoError('EBADF', 'epoll_ctl', `/sys/class/gpio/gpio${this.gpio}/value`);
    this.listeners = [];
    for (const event of this.queuedEvents) clearTimeout(event);
    this.queuedEvents.clear();
  }

  unexport(): void {
    // onoff closes the value fd here, so a second unexport fails with EBADF on the real thing too.
    if (this.closed) throw errnoError('EBADF', 'close', `/sys/class/gpio/gpio${this.gpio}/value`);
    this.unwatchAll();
    this.closed = true;
    this.board.close(this);
  }

  /**
   * onoff's interrupt path: with a debounce, each interrupt restarts a lodash `debounce` (trailing edge only), so the handler runs
   * once the line has been quiet for debounceTimeout ms; without one it runs on the next turn of the event loop. Either way
   * the handler reads the value *then*, and calls the listeners only if that value matches an enabled edge. As in onoff, a
   * debounced handler still pending at unexport() reads a closed fd and throws EBADF from its timer.
   */
  interrupt(error: Error | null): void {
    if (this.closed || this.edge === undefined || this.edge === 'none') return;
    if (this.listeners.length === 0) return; // onoff adds the fd to epoll only on the first watch()
    if (this.debounceTimeout > 0) {
      // lodash debounce calls with the arguments of the last call, so an earlier interrupt's error is dropped, as in onoff.
      clearTimeout(this.debounceTimer);
      this.debounceTimer = setTimeout(() => this.handle(error), this.debounceTimeout);
    } else {
      const event = setTimeout(() => {
        this.queuedEvents.delete(event);
        this.handle(error);
      }, 0);
      this.queuedEvents.add(event);
    }
  }

  private handle(error: Error | null): void {
    const value = this.readSync();
    const rising = this.edge === 'both' || this.edge === 'rising';
    const falling = this.edge === 'both' || this.edge === 'falling';
    if ((value === 1 && rising) || (value === 0 && falling)) {
      for (const listener of this.listeners.slice()) listener(error, value);
    }
  }
}

function fakeGpioClass(board: FakeGpioBoard): GpioClass {
  return class FakeGpio extends FakePin {
    static get accessible(): boolean {
      return board.accessible;
    }

    constructor(gpio: number, direction: string, edge?: GpioEdge, options?: GpioOptions) {
      super(board, gpio, direction, edge, options);
    }
  };
}
