/** A kit with a press watched by its signal tower: GPIO lamps on a fake board (a Pi 4 on kernel 6.6), real influxd, the real gateway. */
import { join } from 'node:path';
import { createGpioInput } from '../../edge/sources/gpio/index.js';
import { startKit } from '../../gateway/kit.js';
import { FakeGpioBoard } from '../unit/edge/sources/gpio/fakeGpio.js';
import { makeFakeSysfs, PI4_KERNEL_6_6 } from '../unit/edge/sources/gpio/fakeSysfs.js';
import { TEST_MACHINES, testConfig } from './kit.js';
import { testLog } from './log.js';
import { startTestInfluxd, tempDir } from './services.js';

/** BCM pins of the lamps; on this board BCM n is sysfs 512 + n. */
export type LampPins = Partial<Record<'red' | 'yellow' | 'green', number>>;

export async function startTowerKit(name: string, pins: LampPins) {
  const dir = tempDir(name);
  const influxd = await startTestInfluxd(join(dir.path, 'influxdb'));
  const sysfs = makeFakeSysfs(PI4_KERNEL_6_6);
  const board = new FakeGpioBoard(PI4_KERNEL_6_6);
  const lamps = Object.keys(pins) as (keyof LampPins)[];
  const config = testConfig(dir.path, join(dir.path, 'no-node'), influxd.url, {
    sources: {
      serial: [{ id: 'node-a', path: join(dir.path, 'no-node') }],
      network: [{ id: 'node-b' }],
      gpio: lamps.map((lamp) => ({ id: `press-${lamp}`, pin: pins[lamp], debounceMs: 10 })),
      towers: [{ id: 'press-tower', lamps: Object.fromEntries(lamps.map((lamp) => [lamp, `press-${lamp}`])) }],
    },
    machines: [{ id: 'press', name: 'プレス', nameEn: 'Press', source: { tower: 'press-tower' }, minDwellSeconds: 1 }, ...TEST_MACHINES],
    // Planned all day, every day, so the 稼働率 of the test's minutes has a denominator whenever it runs.
    calendar: {
      shifts: [{ id: 'all', name: '終日', start: '00:00', end: '00:00', days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] }],
    },
  });
  const kit = await startKit({
    config,
    log: testLog,
    baseDir: dir.path,
    createSource: (kind, id, ctx) => {
      const input = config.sources.gpio.find((g) => g.id === id);
      return kind === 'gpio' && input ? createGpioInput(input, ctx, { Gpio: board.Gpio, sysfsRoot: sysfs.root }) : undefined;
    },
  });
  return {
    kit,
    influxd,
    /** Lights (1) or darkens (0) a lamp, as its light sensor would tell the input board. */
    lamp: (lamp: keyof LampPins, level: 0 | 1) => board.setLevel(512 + (pins[lamp] as number), level),
    async stop() {
      await kit.stop();
      await influxd.stop();
      sysfs.remove();
      dir.remove();
    },
  };
}
