/** A digital input on the Pi's GPIO (a current switch, or a photo sensor on a signal-tower lamp) as a Source of `digital` events. */
import { existsSync } from 'node:fs';
import type { GpioInputConfig } from '../../../config/schema.js';
import type { Source, SourceContext } from '../types.js';
import { DEFAULT_SYSFS_GPIO_ROOT, resolveGpioNumber } from './gpioBase.js';
import { type GpioClass, type GpioLevel, type GpioPin, loadOnoffGpio } from './gpioClass.js';
import { errnoCode, GpioError } from './gpioError.js';

/** lodash debounce re-arms by Date.now() against libuv's cached clock, so its timer can trail ours by a millisecond or two. */
const DEBOUNCE_DRAIN_MARGIN_MS = 20;

export interface GpioInputOptions {
  /** onoff's `Gpio` or a fake with its API; when absent, onoff is imported at `start()`. */
  Gpio?: GpioClass;
  /** Where the gpiochipN folders are read to find the numbering base. onoff itself always uses /sys/class/gpio. */
  sysfsRoot?: string;
}

export interface GpioInputStats {
  /** `digital` events emitted after the initial level. */
  changes: number;
  /** Interrupts that reported the level already emitted (a bounce that settled back, or a spurious wake-up). */
  repeatsSuppressed: number;
  /** Interrupt callbacks that carried an error or failed to emit; logged, never thrown. */
  watchErrors: number;
}

export interface GpioInputSource extends Source {
  readonly stats: Readonly<GpioInputStats>;
}

export function createGpioInput(cfg: GpioInputConfig, ctx: SourceContext, options: GpioInputOptions = {}): GpioInputSource {
  const sysfsRoot = options.sysfsRoot ?? DEFAULT_SYSFS_GPIO_ROOT;
  const where = `GPIO input '${cfg.id}' (BCM ${cfg.pin})`;
  const whereJa = `GPIO入力 '${cfg.id}' (BCM ${cfg.pin})`;
  const stats: GpioInputStats = { changes: 0, repeatsSuppressed: 0, watchErrors: 0 };
  let pin: GpioPin | undefined;
  let gpioNumber: number | undefined;
  let lastValue: GpioLevel | undefined;

  function unavailable(detail: string, detailJa: string): GpioError {
    return new GpioError(
      'GPIO_UNAVAILABLE',
      `${where}: GPIO is not accessible on this machine (${detail}): it is not a Raspberry Pi, or the user is not in the 'gpio' group`,
      `${whereJa}: このマシンではGPIOにアクセスできません（${detailJa}）。Raspberry Piではないか、ユーザーが 'gpio' グループに属していません`,
    );
  }

  function openError(error: unknown, number: number): GpioError {
    const at = `GPIO input '${cfg.id}' (BCM ${cfg.pin}, sysfs gpio${number})`;
    const atJa = `GPIO入力 '${cfg.id}' (BCM ${cfg.pin}、sysfs gpio${number})`;
    const code = errnoCode(error);
    const reason = error instanceof Error ? error.message : String(error);
    switch (code) {
      case 'EINVAL':
        return new GpioError(
          'GPIO_INVALID_NUMBER',
          `${at}: the kernel rejected sysfs GPIO number ${number} (EINVAL); the pin is not on this board's GPIO controller or the numbering base is wrong`,
          `${atJa}: カーネルがsysfs GPIO番号 ${number} を拒否しました (EINVAL)。このボードのGPIOコントローラにないピンか、番号のベースが誤っています`,
          { cause: error },
        );
      case 'EBUSY':
        return new GpioError(
          'GPIO_BUSY',
          `${at}: the pin is busy (EBUSY); a kernel driver (a device-tree overlay such as w1-gpio) or another program already holds it`,
          `${atJa}: ピンは使用中です (EBUSY)。カーネルドライバ（w1-gpio などのオーバーレイ）か他のプログラムが使っています`,
          { cause: error },
        );
      case 'EACCES':
      case 'EPERM':
        return new GpioError(
          'GPIO_ACCESS_DENIED',
          `${at}: permission denied (${code}) on the sysfs GPIO files; add the user to the 'gpio' group and log in again`,
          `${atJa}: sysfs GPIOファイルへのアクセスが拒否されました (${code})。ユーザーを 'gpio' グループに追加し、再ログインしてください`,
          { cause: error },
        );
      default:
        return new GpioError('GPIO_OPEN_FAILED', `${at}: the pin could not be opened: ${reason}`, `${atJa}: ピンを開けません: ${reason}`, {
          cause: error,
        });
    }
  }

  function watchFailed(error: unknown, what: string): void {
    stats.watchErrors += 1;
    ctx.log.warn({ err: error, sourceId: cfg.id, pin: cfg.pin, gpio: gpioNumber, watchErrors: stats.watchErrors }, `${where}: ${what}`);
  }

  async function open(): Promise<void> {
    // Checked before onoff is loaded so a laptop without GPIO gets the plain answer, not an addon error.
    if (!existsSync(sysfsRoot)) throw unavailable(`${sysfsRoot} does not exist`, `${sysfsRoot} が存在しません`);
    let Gpio: GpioClass;
    try {
      Gpio = options.Gpio ?? (await loadOnoffGpio());
    } catch (error) {
      throw error instanceof GpioError ? error.withContext(where, whereJa) : error;
    }
    if (!Gpio.accessible) {
      throw unavailable(`cannot write ${DEFAULT_SYSFS_GPIO_ROOT}/export`, `${DEFAULT_SYSFS_GPIO_ROOT}/export に書き込めません`);
    }

    let number: number;
    try {
      number = resolveGpioNumber(cfg.pin, sysfsRoot);
    } catch (error) {
      throw error instanceof GpioError ? error.withContext(where, whereJa) : error;
    }

    let opened: GpioPin;
    try {
      opened = new Gpio(number, 'in', 'both', { debounceTimeout: cfg.debounceMs, activeLow: cfg.activeLow });
    } catch (error) {
      throw openError(error, number);
    }

    let level: GpioLevel;
    try {
      level = opened.readSync();
      const onEdge = (err: Error | null | undefined, value: GpioLevel): void => {
        // Once stopped, stay silent even if unwatchAll() failed in stop() and onoff keeps calling.
        if (pin !== opened) return;
        try {
          if (err) {
            watchFailed(err, 'GPIO interrupt reported an error');
          } else if (value !== 0 && value !== 1) {
            watchFailed(new Error(`unexpected value ${String(value)}`), 'GPIO interrupt gave no level');
          } else if (value === lastValue) {
            // onoff's debounce fires once the line is quiet, even if it settled where it started, so equal values are expected.
            stats.repeatsSuppressed += 1;
          } else {
            lastValue = value;
            stats.changes += 1;
            ctx.emit({ kind: 'digital', sourceId: cfg.id, ts: ctx.now(), value });
          }
        } catch (error) {
          watchFailed(error, 'handling a GPIO interrupt failed');
        }
      };
      // Reading before watching is safe: sysfs reports an edge that happened in between as soon as the fd joins epoll.
      opened.watch(onEdge);
    } catch (error) {
      try {
        opened.unexport();
      } catch {
        // The open failure is the error worth reporting; a failed cleanup adds nothing the caller can act on.
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new GpioError(
        'GPIO_READ_FAILED',
        `GPIO input '${cfg.id}' (BCM ${cfg.pin}, sysfs gpio${number}): opened but could not be read or watched: ${reason}`,
        `GPIO入力 '${cfg.id}' (BCM ${cfg.pin}、sysfs gpio${number}): 開けましたが読み取り／監視ができません: ${reason}`,
        { cause: error },
      );
    }

    pin = opened;
    gpioNumber = number;
    lastValue = level;
    ctx.log.info(
      { sourceId: cfg.id, pin: cfg.pin, gpio: number, activeLow: cfg.activeLow, debounceMs: cfg.debounceMs, level },
      'GPIO input opened',
    );
    ctx.emit({ kind: 'digital', sourceId: cfg.id, ts: ctx.now(), value: level });
    ctx.emit({ kind: 'online', sourceId: cfg.id, ts: ctx.now(), online: true, detail: `BCM ${cfg.pin} = sysfs gpio${number}` });
  }

  async function release(): Promise<void> {
    const opened = pin;
    if (!opened) return;
    pin = undefined;
    lastValue = undefined;
    try {
      opened.unwatchAll();
    } catch (error) {
      ctx.log.warn({ err: error, sourceId: cfg.id, pin: cfg.pin, gpio: gpioNumber }, `${where}: unwatch failed while stopping`);
    }
    // onoff's debounced handler is a lodash timer that unexport() does not cancel; fired after the value fd is closed it
    // throws EBADF from a timer and takes the process down. Unwatching stops new interrupts, so one debounce period drains it.
    if (cfg.debounceMs > 0) await new Promise((resolve) => setTimeout(resolve, cfg.debounceMs + DEBOUNCE_DRAIN_MARGIN_MS));
    try {
      opened.unexport();
    } catch (error) {
      ctx.log.warn({ err: error, sourceId: cfg.id, pin: cfg.pin, gpio: gpioNumber }, `${where}: unexport failed while stopping`);
    }
    ctx.emit({ kind: 'online', sourceId: cfg.id, ts: ctx.now(), online: false, detail: 'stopped' });
  }

  // start and stop run one after the other in call order, so a restart never unexports the line under a fresh open.
  let lifecycle: Promise<void> = Promise.resolve();
  function inTurn(step: () => Promise<void>): Promise<void> {
    const done = lifecycle.then(step);
    lifecycle = done.catch(() => undefined);
    return done;
  }

  return {
    id: cfg.id,
    stats,
    start: () => inTurn(async () => (pin ? undefined : open())),
    stop: () => inTurn(release),
  };
}
