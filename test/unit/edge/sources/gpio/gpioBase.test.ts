/** Tests that BCM pins map to the right sysfs number on each kernel layout, and that every failure says what it found. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GpioError, pickMainGpioChip, readGpioChips, resolveGpioNumber } from '../../../../../edge/sources/gpio/index.js';
import type { FakeChip } from './fakeGpio.js';
import { type FakeSysfs, makeFakeSysfs, PI4_KERNEL_6_6, PI4_OLD_KERNEL, PI5_KERNEL_6_6 } from './fakeSysfs.js';

const made: FakeSysfs[] = [];
function sysfs(chips: readonly FakeChip[]): string {
  const fake = makeFakeSysfs(chips);
  made.push(fake);
  return fake.root;
}
afterEach(() => {
  for (const fake of made.splice(0)) fake.remove();
});

function thrown(run: () => unknown): GpioError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GpioError);
    return error as GpioError;
  }
  throw new Error('expected a GpioError, nothing was thrown');
}

describe('resolveGpioNumber', () => {
  it('adds the base 512 of pinctrl-bcm2711 on a Pi 4 with kernel 6.6+', () => {
    const root = sysfs(PI4_KERNEL_6_6);
    expect(resolveGpioNumber(17, root)).toBe(529);
    expect(resolveGpioNumber(0, root)).toBe(512);
    expect(resolveGpioNumber(27, root)).toBe(539);
  });

  it('uses pinctrl-rp1 at 571 on a Pi 5, not the lower brcmstb chip that also has ≥ 28 lines', () => {
    expect(resolveGpioNumber(17, sysfs(PI5_KERNEL_6_6))).toBe(588);
  });

  it('keeps the bare BCM number on an old kernel whose main chip starts at 0', () => {
    expect(resolveGpioNumber(17, sysfs(PI4_OLD_KERNEL))).toBe(17);
  });

  it('recognises pinctrl-bcm2835 (Pi 3, Zero 2 W) among other chips', () => {
    const root = sysfs([
      { base: 512, ngpio: 54, label: 'pinctrl-bcm2835' },
      { base: 566, ngpio: 8, label: 'raspberrypi-exp-gpio' },
    ]);
    expect(resolveGpioNumber(4, root)).toBe(516);
  });

  it('falls back to the lowest-based chip with ≥ 28 lines when no label is known', () => {
    const root = sysfs([
      { base: 300, ngpio: 8, label: 'i2c-expander' },
      { base: 600, ngpio: 64, label: 'vendor-gpio-b' },
      { base: 400, ngpio: 54, label: 'vendor-gpio-a' },
    ]);
    expect(resolveGpioNumber(17, root)).toBe(417);
  });

  it('says the sysfs GPIO folder is missing when there is none', () => {
    const root = join(sysfs([]), 'no-such-folder');
    const error = thrown(() => resolveGpioNumber(17, root));
    expect(error.code).toBe('GPIO_UNAVAILABLE');
    expect(error.message).toContain(`${root} does not exist`);
    expect(error.message).toContain('が存在しません');
  });

  it('refuses a pin beyond the chip and names the chip and its range', () => {
    const error = thrown(() => resolveGpioNumber(58, sysfs(PI4_KERNEL_6_6)));
    expect(error.code).toBe('GPIO_PIN_OUT_OF_RANGE');
    expect(error.message).toContain('BCM pin 58');
    expect(error.message).toContain('gpiochip512');
    expect(error.message).toContain('0–57');

    const small = sysfs([{ base: 0, ngpio: 32, label: 'unknown' }]);
    expect(resolveGpioNumber(31, small)).toBe(31);
    expect(thrown(() => resolveGpioNumber(32, small)).code).toBe('GPIO_PIN_OUT_OF_RANGE');
  });

  it('refuses a negative or fractional pin before touching sysfs', () => {
    const root = sysfs(PI4_KERNEL_6_6);
    expect(thrown(() => resolveGpioNumber(-1, root)).code).toBe('GPIO_PIN_OUT_OF_RANGE');
    expect(thrown(() => resolveGpioNumber(1.5, root)).code).toBe('GPIO_PIN_OUT_OF_RANGE');
  });

  it('lists the chips it found when none can be the main controller', () => {
    const error = thrown(() => resolveGpioNumber(17, sysfs([{ base: 504, ngpio: 8, label: 'raspberrypi-exp-gpio' }])));
    expect(error.code).toBe('GPIO_NO_CHIP');
    expect(error.message).toContain('gpiochip504 (label raspberrypi-exp-gpio, base 504, ngpio 8)');
  });

  it('says "none" when the folder holds no gpiochip at all', () => {
    const error = thrown(() => resolveGpioNumber(17, sysfs([])));
    expect(error.code).toBe('GPIO_NO_CHIP');
    expect(error.message).toContain('found: none');
  });
});

describe('readGpioChips', () => {
  it('reads chips through symlinks and leaves out a chip with a malformed base', () => {
    const root = sysfs(PI4_KERNEL_6_6);
    const broken = join(root, 'gpiochip999');
    mkdirSync(broken);
    writeFileSync(join(broken, 'base'), 'garbage\n');
    writeFileSync(join(broken, 'ngpio'), '8\n');
    writeFileSync(join(broken, 'label'), 'broken\n');
    const chips = readGpioChips(root).sort((a, b) => a.base - b.base);
    expect(chips).toEqual([
      { name: 'gpiochip512', base: 512, ngpio: 58, label: 'pinctrl-bcm2711' },
      { name: 'gpiochip570', base: 570, ngpio: 8, label: 'raspberrypi-exp-gpio' },
    ]);
  });
});

describe('pickMainGpioChip', () => {
  it('prefers a known label over a lower-based unknown chip and returns undefined when nothing fits', () => {
    const rp1 = { name: 'gpiochip571', base: 571, ngpio: 54, label: 'pinctrl-rp1' };
    const brcmstb = { name: 'gpiochip512', base: 512, ngpio: 32, label: 'gpio-brcmstb@107d508500' };
    expect(pickMainGpioChip([brcmstb, rp1])).toBe(rp1);
    expect(pickMainGpioChip([brcmstb])).toBe(brcmstb);
    expect(pickMainGpioChip([{ name: 'gpiochip0', base: 0, ngpio: 27, label: 'small' }])).toBeUndefined();
  });
});
