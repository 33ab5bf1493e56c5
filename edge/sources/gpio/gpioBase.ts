/** Turns a BCM pin number into the sysfs GPIO number, which kernels 6.6+ offset by the main GPIO chip's base (512, 571, …). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, GpioError } from './gpioError.js';

export const DEFAULT_SYSFS_GPIO_ROOT = '/sys/class/gpio';

/**
 * Labels of the chips that drive the 40-pin header: BCM2711 (Pi 4, 400, CM4), BCM2835 (Pi 1–3, Zero, Zero 2 W),
 * RP1 (Pi 5, whose header hangs off the RP1 south bridge, not the BCM2712 SoC's own brcmstb chips).
 */
export const MAIN_GPIO_CHIP_LABELS: readonly string[] = ['pinctrl-bcm2711', 'pinctrl-bcm2835', 'pinctrl-rp1'];

/** The header has BCM 0–27, so a chip with fewer lines cannot be the main controller. */
const MIN_MAIN_CHIP_LINES = 28;

export interface GpioChip {
  /** Folder name under the sysfs root, e.g. `gpiochip512`. */
  name: string;
  base: number;
  ngpio: number;
  label: string;
}

/** Picks the main controller: a known label first (lowest base if several), else the lowest-based chip with ≥ 28 lines. Pure. */
export function pickMainGpioChip(chips: readonly GpioChip[]): GpioChip | undefined {
  const byBase = [...chips].sort((a, b) => a.base - b.base);
  return byBase.find((chip) => MAIN_GPIO_CHIP_LABELS.includes(chip.label)) ?? byBase.find((chip) => chip.ngpio >= MIN_MAIN_CHIP_LINES);
}

function readNumber(file: string): number | undefined {
  const text = readFileSync(file, 'utf8').trim();
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** Reads every `gpiochipN/{base,ngpio,label}` under the sysfs root; chips whose files are unreadable or malformed are left out. */
export function readGpioChips(sysfsRoot: string = DEFAULT_SYSFS_GPIO_ROOT): GpioChip[] {
  let names: string[];
  try {
    // Names, not Dirents: on real sysfs the gpiochipN entries are symlinks into /sys/devices, not directories.
    names = readdirSync(sysfsRoot).filter((name) => /^gpiochip\d+$/.test(name));
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new GpioError(
        'GPIO_UNAVAILABLE',
        `${sysfsRoot} does not exist: GPIO is not accessible on this machine (not a Raspberry Pi, or a kernel without sysfs GPIO)`,
        `${sysfsRoot} が存在しません: このマシンではGPIOにアクセスできません（Raspberry Piではないか、sysfs GPIOのないカーネルです）`,
        { cause: error },
      );
    }
    throw new GpioError(
      'GPIO_UNAVAILABLE',
      `cannot list ${sysfsRoot} (${code ?? String(error)}): GPIO is not accessible to this user`,
      `${sysfsRoot} を読めません (${code ?? String(error)}): このユーザーはGPIOにアクセスできません`,
      { cause: error },
    );
  }
  const chips: GpioChip[] = [];
  for (const name of names) {
    try {
      const base = readNumber(join(sysfsRoot, name, 'base'));
      const ngpio = readNumber(join(sysfsRoot, name, 'ngpio'));
      const label = readFileSync(join(sysfsRoot, name, 'label'), 'utf8').trim();
      if (base !== undefined && ngpio !== undefined) chips.push({ name, base, ngpio, label });
    } catch {
      // A chip we cannot read cannot be opened either; the caller's error lists the chips that were usable.
    }
  }
  return chips;
}

function describe(chips: readonly GpioChip[]): string {
  return chips.length === 0 ? 'none' : chips.map((c) => `${c.name} (label ${c.label || '?'}, base ${c.base}, ngpio ${c.ngpio})`).join(', ');
}

/** The main GPIO chip under the sysfs root, or a coded error that lists what was found instead. */
export function findMainGpioChip(sysfsRoot: string = DEFAULT_SYSFS_GPIO_ROOT): GpioChip {
  const chips = readGpioChips(sysfsRoot);
  const chip = pickMainGpioChip(chips);
  if (!chip) {
    const found = describe(chips);
    throw new GpioError(
      'GPIO_NO_CHIP',
      `no Raspberry Pi GPIO controller under ${sysfsRoot} (expected label ${MAIN_GPIO_CHIP_LABELS.join(' / ')} ` +
        `or a chip with ≥ ${MIN_MAIN_CHIP_LINES} lines); found: ${found}`,
      `${sysfsRoot} にRaspberry PiのGPIOコントローラが見つかりません（検出: ${found}）`,
    );
  }
  return chip;
}

/** The number to open through sysfs for a BCM pin: the main chip's base plus the pin, e.g. BCM 17 → 529 on a Pi 4 with kernel 6.6+. */
export function resolveGpioNumber(pin: number, sysfsRoot: string = DEFAULT_SYSFS_GPIO_ROOT): number {
  if (!Number.isInteger(pin) || pin < 0) {
    throw new GpioError(
      'GPIO_PIN_OUT_OF_RANGE',
      `BCM pin ${pin} is not a non-negative integer`,
      `BCMピン ${pin} は0以上の整数ではありません`,
    );
  }
  const chip = findMainGpioChip(sysfsRoot);
  if (pin >= chip.ngpio) {
    throw new GpioError(
      'GPIO_PIN_OUT_OF_RANGE',
      `BCM pin ${pin} is beyond ${chip.name} (label ${chip.label}), which has pins 0–${chip.ngpio - 1}`,
      `BCMピン ${pin} は ${chip.name}（${chip.label}）の範囲 0–${chip.ngpio - 1} の外です`,
    );
  }
  return chip.base + pin;
}
