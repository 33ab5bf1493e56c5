import { describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../../../config/load.js';
import type { AlarmHistoryEntryBody } from '../../../../gateway/http/alarmSchemas.js';
import { improvementCandidates } from '../../../../gateway/report/trialAdvice.js';
import { energyFactorKw, energyOf, type TrialInput, trialFigures } from '../../../../gateway/report/trialFigures.js';
import { plannedIntervals } from '../../../../gateway/utilization/calendar.js';
import type { StateInterval } from '../../../../gateway/utilization/utilization.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const jst = (text: string) => Date.parse(`${text.replace(' ', 'T')}:00+09:00`);

const config = parseKitConfig({
  kit: { id: 'kit-t', site: '試験工場', tariffYenPerKwh: 30 },
  sources: { serial: [{ id: 'n1', path: '/dev/null' }], gpio: [{ id: 'lamp', pin: 17 }] },
  machines: [
    { id: 'lathe', name: '旋盤', source: { node: 'n1', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } },
    {
      id: 'small',
      name: '小型機',
      source: { node: 'n1', channel: 'ct2' },
      thresholds: { idleAbove: 0.5, runAbove: 4 },
      supply: { volts: 100, phases: 1, powerFactor: 0.9 },
    },
    { id: 'tower', name: '信号灯の機械', source: { gpio: 'lamp' } },
  ],
  zones: [{ id: 'floor', name: '工場', source: { node: 'n1', channel: 'env1' } }],
});

/** Monday 2025-06-02: the lathe idles 08:30–09:00, runs to 11:00, stops 11:00–13:30 (lunch inside), runs to 17:30. */
const monday: StateInterval[] = [
  { state: 'OFF', from: jst('2025-06-02 00:00'), to: jst('2025-06-02 08:30') },
  { state: 'IDLE', from: jst('2025-06-02 08:30'), to: jst('2025-06-02 09:00') },
  { state: 'RUN', from: jst('2025-06-02 09:00'), to: jst('2025-06-02 11:00') },
  { state: 'OFF', from: jst('2025-06-02 11:00'), to: jst('2025-06-02 13:30') },
  { state: 'RUN', from: jst('2025-06-02 13:30'), to: jst('2025-06-02 17:30') },
  { state: 'IDLE', from: jst('2025-06-02 17:30'), to: jst('2025-06-02 18:30') },
  { state: 'OFF', from: jst('2025-06-02 18:30'), to: jst('2025-06-03 00:00') },
];
const from = jst('2025-06-02 00:00');
const to = jst('2025-06-04 00:00');
/** The kit recorded Monday only: Tuesday is no data. */
const coverage = [{ from, to: jst('2025-06-03 00:00') }];
const lathe: StateInterval[] = [...monday, { state: 'NO_DATA', from: jst('2025-06-03 00:00'), to }];
/** One minute mean per minute: 20 A running, 2 A idle, 0.1 A off. */
const amps = (timeline: StateInterval[]): [number, number][] =>
  timeline.flatMap((iv) =>
    iv.state === 'NO_DATA'
      ? []
      : Array.from({ length: (iv.to - iv.from) / MIN }, (_, k): [number, number] => [
          iv.from + k * MIN,
          iv.state === 'RUN' ? 20 : iv.state === 'IDLE' ? 2 : 0.1,
        ]),
  );

function alarm(id: string, event: AlarmHistoryEntryBody['event'], at: string, ruleId = 'wbgt-severe'): AlarmHistoryEntryBody {
  return {
    ts: jst(at),
    event,
    id,
    ruleId,
    target: { kind: 'zone', id: 'floor' },
    severity: 'critical',
    state: 'active-unacknowledged',
    message: { ja: '', en: '' },
    value: null,
    acknowledgedBy: null,
    comment: null,
  };
}

/** The floor: 30 °C / 60 %RH (WBGT about 27) all Monday, 33 °C / 60 % (over both legal thresholds) 14:00–15:00. */
const climate: TrialInput['zones'][number]['minutes'] = Array.from({ length: 24 * 60 }, (_, k) => {
  const t = from + k * MIN;
  const hot = t >= jst('2025-06-02 14:00') && t < jst('2025-06-02 15:00');
  return [t, hot ? 33 : 30, k < 60 ? 35 : 60, hot ? 29.5 : 27];
});

const input: TrialInput = {
  config,
  from,
  to,
  coverage,
  machines: [
    { config: config.machines[0]!, timeline: lathe, amps: amps(lathe) },
    { config: config.machines[1]!, timeline: lathe, amps: amps(lathe) },
    { config: config.machines[2]!, timeline: lathe, amps: [] },
  ],
  zones: [{ config: config.zones[0]!, minutes: climate }],
  alarms: [
    alarm('a1', 'raised', '2025-06-02 14:00'),
    alarm('a1', 'acknowledged', '2025-06-02 14:10'),
    alarm('a2', 'raised', '2025-06-02 14:30'),
    alarm('a2', 'acknowledged', '2025-06-02 15:00'),
    alarm('a3', 'raised', '2025-06-02 16:00', 'stopped-too-long'),
    alarm('old', 'acknowledged', '2025-06-02 09:00'),
  ],
};
const f = trialFigures(input);

describe('the trial report’s figures', () => {
  it('counts 稼働率 over the planned time the kit saw, and a day without data as no data, not 0 %', () => {
    const [monday, tuesday] = f.machines[0]!.days;
    // Planned 08:30–12:00 and 13:00–17:30 = 480 min; run 09:00–11:00 and 13:30–17:30 = 360 min.
    expect(monday).toMatchObject({ plannedMs: 480 * MIN, runMs: 360 * MIN, idleMs: 30 * MIN, offMs: 90 * MIN, utilization: 0.75 });
    expect(tuesday).toMatchObject({ plannedMs: 480 * MIN, noDataMs: 480 * MIN, utilization: null });
    expect(f.machines[0]!.totals).toMatchObject({ utilization: 0.75, idleShare: 30 / 480, noDataMs: 480 * MIN });
  });

  it('lists a stop that began in the shift by the planned time it cost (not the lunch inside it), not the night before', () => {
    expect(f.machines[0]!.longestStops).toEqual([{ from: jst('2025-06-02 11:00'), to: jst('2025-06-02 13:30'), plannedMs: 90 * MIN }]);
  });

  it('lists a signal tower’s fault stop (異常停止) among the stops and counts its time apart, never as run', () => {
    const faulted = lathe.map((iv) => (iv.from === jst('2025-06-02 11:00') ? { ...iv, state: 'FAULT' as const } : iv));
    const tower = trialFigures({ ...input, machines: [{ config: config.machines[2]!, timeline: faulted, amps: [] }] }).machines[0]!;
    expect(tower.longestStops).toEqual([{ from: jst('2025-06-02 11:00'), to: jst('2025-06-02 13:30'), plannedMs: 90 * MIN }]);
    expect(tower.totals).toMatchObject({ runMs: 360 * MIN, offMs: 0, faultMs: 90 * MIN, utilization: 0.75 });
  });

  it('estimates energy as √3·V·I·cos φ for three phases and V·I·cos φ for one, split by state', () => {
    expect(energyFactorKw(config.machines[0]!.supply)).toBeCloseTo((Math.sqrt(3) * 200 * 0.8) / 1000, 12);
    const e = f.machines[0]!.energy!;
    const kw = (Math.sqrt(3) * 200 * 0.8) / 1000;
    expect(e.kwh.run).toBeCloseTo(kw * 20 * 6, 6); // 6 h at 20 A
    expect(e.kwh.idle).toBeCloseTo(kw * 2 * 1.5, 6); // 1.5 h at 2 A, 1 h of it after the shift
    expect(e.idleOutsidePlannedKwh).toBeCloseTo(kw * 2 * 1, 6);
    expect(e.yen.idle).toBeCloseTo(e.kwh.idle * 30, 6);
    expect(e.meanKw.run).toBeCloseTo(kw * 20, 6);
    const single = f.machines[1]!.energy!;
    expect(single.kwh.run).toBeCloseTo(((100 * 0.9) / 1000) * 20 * 6, 6);
    expect(f.machines[2]!.energy).toBeNull();
    expect(f.tariffAssumed).toBe(false);
  });

  it('takes an energy meter’s watts as measured, not estimated, and never counts power flowing back', () => {
    const minutes = amps(monday).map(([t, a]): [number, number] => [t, a >= 20 ? 5000 : a >= 2 ? -100 : 0]);
    const planned = plannedIntervals(config.calendar, 'Asia/Tokyo', from, to);
    const e = energyOf(config.machines[0]!, { amps: [], watts: minutes }, monday, planned, 30);
    expect(e.measured).toBe(true);
    expect(e.kwh.run).toBeCloseTo(5 * 6, 6); // 6 h at 5 kW
    expect(e.kwh.idle).toBe(0);
    expect(f.machines[0]!.energy!.measured).toBe(false);
  });

  it('counts heat hours by WBGT level and at the legal thresholds, in working time apart', () => {
    const z = f.zones[0]!;
    expect(z.minutes).toBe(24 * 60);
    expect(z.wbgtLevels).toEqual({ safe: 0, caution: 0, warning: 23 * 60, severe: 60, danger: 0 });
    expect(z.legal).toEqual({ wbgtMinutes: 60, wbgtWorkMinutes: 60, airMinutes: 60, airWorkMinutes: 60 });
    expect(z.humidity).toEqual({ belowMinutes: 60, aboveMinutes: 0, workMinutes: 0 });
    expect(z.days.map((d) => d.maxWbgt)).toEqual([29.5, null]);
  });

  it('says how fast alarms raised in the range were acknowledged, per rule and target', () => {
    expect(f.alarms).toMatchObject({ raised: 3, acknowledged: 2, medianAckMs: 20 * MIN });
    expect(f.alarms.rules).toEqual([
      expect.objectContaining({ ruleId: 'wbgt-severe', raised: 2, acknowledged: 2, medianAckMs: 20 * MIN, maxAckMs: 30 * MIN }),
      expect.objectContaining({ ruleId: 'stopped-too-long', raised: 1, acknowledged: 0, medianAckMs: null }),
    ]);
  });

  it('states the coverage per day and names the stretches without data', () => {
    expect(f.coverage).toMatchObject({ rangeMs: 48 * HOUR, coveredMs: 24 * HOUR });
    expect(f.coverage.days.map((d) => d.coveredMs / HOUR)).toEqual([24, 0]);
    expect(f.coverage.gaps).toEqual([{ from: jst('2025-06-03 00:00'), to }]);
  });

  it('draws improvement candidates from the figures, the legal heat duty first', () => {
    const candidates = improvementCandidates(f).map((c) => c.text.ja);
    expect(candidates[0]).toMatch(/^【熱中症対策・法定】工場：作業時間中に暑さ指数 28 以上または気温 31 °C 以上が 1\.0 時間/);
    expect(candidates.some((c) => c.includes('旋盤：計画時間中の停止が最長 1.5 時間'))).toBe(true);
    expect(candidates.some((c) => c.includes('期間の 50 % はデータがありません'))).toBe(true);
    expect(candidates.some((c) => c.includes('アラームの確認までに中央値で 20 分'))).toBe(true);
  });

  it('says a machine whose sensor was mostly silent cannot be judged, instead of calling it under-used', () => {
    const silent: StateInterval[] = [{ state: 'UNKNOWN', from, to: jst('2025-06-03 00:00') }];
    const figures = trialFigures({ ...input, machines: [{ config: config.machines[0]!, timeline: silent, amps: [] }], alarms: [] });
    const candidates = improvementCandidates(figures).map((c) => c.text.ja);
    expect(candidates.some((c) => c.startsWith('旋盤：計画時間の 100 % はセンサーから信号がありませんでした'))).toBe(true);
    expect(candidates.some((c) => c.includes('稼働率 0 %'))).toBe(false);
  });
});
