/** A small kit config for the alarm unit tests: one node, two machines (one on a GPIO input), one zone. */
import { parseKitConfig } from '../../../../config/load.js';
import type { KitConfig } from '../../../../config/schema.js';

/** 2025-07-01 09:00:00 in Tokyo, a Tuesday inside the default day shift. */
export const T9 = Date.parse('2025-07-01T09:00:00+09:00');

export function alarmConfig(alarms: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): KitConfig {
  return parseKitConfig({
    kit: { id: 'k1', site: 'テスト工場' },
    sources: { serial: [{ id: 'node-a', path: '/dev/null', silentAfterSeconds: 45 }], gpio: [{ id: 'lamp', pin: 17 }] },
    machines: [
      {
        id: 'm1',
        name: '旋盤1',
        nameEn: 'Lathe 1',
        source: { node: 'node-a', channel: 'ct1' },
        thresholds: { idleAbove: 0.5, runAbove: 4 },
      },
      { id: 'press', name: 'プレス', source: { gpio: 'lamp' } },
    ],
    zones: [{ id: 'floor', name: '第1工場', nameEn: 'Plant 1', source: { node: 'node-a', channel: 'env1' } }],
    alarms,
    ...extra,
  });
}
