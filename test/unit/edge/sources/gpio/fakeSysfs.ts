/** Builds a throw-away /sys/class/gpio look-alike (gpiochipN/{base,ngpio,label}) so base resolution runs on real files. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeChip } from './fakeGpio.js';

export const PI4_KERNEL_6_6: FakeChip[] = [
  { base: 512, ngpio: 58, label: 'pinctrl-bcm2711' },
  { base: 570, ngpio: 8, label: 'raspberrypi-exp-gpio' },
];

/** The Pi 5's header is on RP1 at 571; the SoC's own brcmstb chips sit lower, one of them with ≥ 28 lines. */
export const PI5_KERNEL_6_6: FakeChip[] = [
  { base: 512, ngpio: 32, label: 'gpio-brcmstb@107d508500' },
  { base: 544, ngpio: 4, label: 'gpio-brcmstb@107d508520' },
  { base: 548, ngpio: 17, label: 'gpio-brcmstb@107d517c00' },
  { base: 565, ngpio: 6, label: 'gpio-brcmstb@107d517c20' },
  { base: 571, ngpio: 54, label: 'pinctrl-rp1' },
];

export const PI4_OLD_KERNEL: FakeChip[] = [
  { base: 0, ngpio: 58, label: 'pinctrl-bcm2711' },
  { base: 504, ngpio: 8, label: 'raspberrypi-exp-gpio' },
];

export interface FakeSysfs {
  root: string;
  remove(): void;
}

/**
 * Writes the chips under a temp root. Like real sysfs, each gpiochipN entry is a symlink into a devices tree, so the
 * resolver is tested against what it will meet on a Pi.
 */
export function makeFakeSysfs(chips: readonly FakeChip[]): FakeSysfs {
  const top = mkdtempSync(join(tmpdir(), 'minotake-gpio-'));
  const root = join(top, 'class', 'gpio');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'export'), '');
  writeFileSync(join(root, 'unexport'), '');
  for (const chip of chips) {
    const device = join(top, 'devices', `chip-at-${chip.base}`, `gpiochip${chip.base}`);
    mkdirSync(device, { recursive: true });
    writeFileSync(join(device, 'base'), `${chip.base}\n`);
    writeFileSync(join(device, 'ngpio'), `${chip.ngpio}\n`);
    writeFileSync(join(device, 'label'), `${chip.label}\n`);
    symlinkSync(device, join(root, `gpiochip${chip.base}`));
  }
  return { root, remove: () => rmSync(top, { recursive: true, force: true }) };
}
