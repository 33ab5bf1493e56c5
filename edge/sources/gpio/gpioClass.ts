/** The seam to onoff's `Gpio` class: the slice of its API the input driver uses, and a lazy loader for the real one. */
import { GpioError } from './gpioError.js';

export type GpioLevel = 0 | 1;
export type GpioEdge = 'none' | 'rising' | 'falling' | 'both';
export interface GpioOptions {
  /** onoff reports an edge only once the level has been stable this long (lodash debounce, trailing). */
  debounceTimeout?: number;
  /** onoff writes sysfs `active_low`, so the kernel inverts both the value read and the edges reported. */
  activeLow?: boolean;
}
export type GpioWatchCallback = (err: Error | null | undefined, value: GpioLevel) => void;

export interface GpioPin {
  readSync(): GpioLevel;
  watch(callback: GpioWatchCallback): void;
  unwatchAll(): void;
  unexport(): void;
}

/** A constructor with onoff's signature; exporting and configuring the pin happen (synchronously) inside `new`. */
export interface GpioClass {
  new (gpio: number, direction: 'in', edge: GpioEdge, options: GpioOptions): GpioPin;
  /** onoff: true when `/sys/class/gpio/export` can be opened for writing by this user. */
  readonly accessible: boolean;
}

function gpioFrom(module: unknown): GpioClass | undefined {
  if (typeof module !== 'object' || module === null) return undefined;
  // onoff is CommonJS: Node's named-export detection usually yields `Gpio`, but `default.Gpio` is the guaranteed path.
  const record = module as { Gpio?: unknown; default?: { Gpio?: unknown } };
  const candidate = record.Gpio ?? record.default?.Gpio;
  return typeof candidate === 'function' ? (candidate as GpioClass) : undefined;
}

/**
 * Loads onoff only when a real pin is wanted: its native epoll addon may be missing or fail to load on a machine without GPIO,
 * and that must be a coded error at `start()`, not a crash when the edge process imports its drivers.
 */
export async function loadOnoffGpio(importOnoff: () => Promise<unknown> = () => import('onoff')): Promise<GpioClass> {
  let module: unknown;
  try {
    module = await importOnoff();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GpioError(
      'GPIO_DRIVER_UNAVAILABLE',
      `the onoff GPIO library could not be loaded (its native epoll addon needs Linux and a successful build): ${reason}`,
      `GPIOライブラリ onoff を読み込めません（ネイティブアドオン epoll はLinuxとビルド済みであることが必要です）: ${reason}`,
      { cause: error },
    );
  }
  const Gpio = gpioFrom(module);
  if (!Gpio) {
    throw new GpioError(
      'GPIO_DRIVER_UNAVAILABLE',
      'the onoff module loaded but exports no Gpio class (an unexpected onoff version?)',
      'onoff は読み込めましたが Gpio クラスがありません（想定外のバージョン？）',
    );
  }
  return Gpio;
}
