/** Tests the lazy onoff loader: the real module fits the seam, and a failed load is a coded error rather than a crash. */
import { describe, expect, it } from 'vitest';
import { type GpioClass, GpioError, loadOnoffGpio } from '../../../../../edge/sources/gpio/index.js';

describe('loadOnoffGpio', () => {
  it('loads the real onoff Gpio class, which fits the seam without a cast', async () => {
    const onoff = await import('onoff');
    const typed: GpioClass = onoff.Gpio; // a compile-time check that onoff's own typings satisfy GpioClass
    const loaded = await loadOnoffGpio();
    expect(loaded).toBe(typed);
    // Only a static getter is touched: constructing would export a real pin on a machine that has them.
    expect(typeof loaded.accessible).toBe('boolean');
  });

  it('finds Gpio under default when Node exposes only the CommonJS exports object', async () => {
    const Gpio = Object.assign(function Gpio() {}, { accessible: true });
    expect(await loadOnoffGpio(async () => ({ default: { Gpio } }))).toBe(Gpio);
  });

  it('turns a native addon that will not load into GPIO_DRIVER_UNAVAILABLE, keeping the cause', async () => {
    const addonError = new Error('Could not locate the bindings file. Tried: build/Release/epoll.node');
    const error = await loadOnoffGpio(() => Promise.reject(addonError)).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(GpioError);
    expect(error).toMatchObject({ code: 'GPIO_DRIVER_UNAVAILABLE', cause: addonError });
    expect((error as GpioError).message).toContain('Could not locate the bindings file');
    expect((error as GpioError).message).toContain('読み込めません');
  });

  it('refuses a module without a Gpio class', async () => {
    const error = await loadOnoffGpio(async () => ({ default: {} })).catch((reason: unknown) => reason);
    expect(error).toMatchObject({ code: 'GPIO_DRIVER_UNAVAILABLE' });
  });
});
