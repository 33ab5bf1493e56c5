import { describe, expect, it } from 'vitest';
import { parseKitYaml } from '../../../../config/load.js';
import { findStops, pareto, plannedReasonIds, reasonWaitMs, stopSettingsOf } from '../../../../gateway/production/stops.js';

const MIN = 60_000;
const at = (hh: number, mm = 0) => Date.UTC(2025, 5, 2, hh, mm);
const planned = [{ from: at(8, 30), to: at(17, 30), shift: 'day', day: '2025-06-02' }];
/** A reason an operator gave, `after` the press's stop that began at stopFrom, for the whole stop. */
const reasonEntry = (id: string, stopFrom: number, reason: string, after: number) => ({
  id,
  machine: 'press-1',
  at: stopFrom + after,
  stopFrom,
  from: stopFrom,
  to: null,
  reason,
  note: null,
  by: 'op',
});

describe('findStops', () => {
  it('a fault stop (a signal tower red lamp) and the stop beside it are one stop that asks for a reason', () => {
    const states = [
      { state: 'RUN' as const, from: at(8, 30), to: at(10) },
      { state: 'FAULT' as const, from: at(10), to: at(10, 25) },
      { state: 'OFF' as const, from: at(10, 25), to: at(10, 40) },
      { state: 'RUN' as const, from: at(10, 40), to: at(17, 30) },
    ];
    const stops = findStops('press-1', states, planned, [], { reasonAfterMs: 5 * MIN }, at(18));
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ from: at(10), to: at(10, 40), plannedMs: 40 * MIN, needsReason: true, open: false });
  });

  it('a range that begins inside a stop sees the whole stop and its reason, not an earlier stop’s', () => {
    // The shift's board reads from 08:30; the machine has been off since 17:40 the day before.
    const yesterday = (hh: number, mm = 0) => at(hh, mm) - 86_400_000;
    const states = [
      { state: 'OFF' as const, from: at(8, 30), to: at(8, 50) },
      { state: 'RUN' as const, from: at(8, 50), to: at(17, 30) },
    ];
    // One reason for yesterday afternoon's stop (to its end), one for the stop that ran into this morning.
    const entries = [reasonEntry('a', yesterday(16), 'quality', 10 * MIN), reasonEntry('b', yesterday(17, 40), 'setup', 10 * MIN)];
    const [stop] = findStops('press-1', states, planned, entries, { reasonAfterMs: 5 * MIN }, at(18), yesterday(17, 40));
    expect(stop).toMatchObject({ from: yesterday(17, 40), to: at(8, 50), plannedMs: 20 * MIN, needsReason: false });
    expect(stop?.segments.filter((g) => g.plannedMs > 0).map((g) => g.reason)).toEqual(['setup']);
    // Cut where the range begins, the stop has lost its reason: what the board showed for every morning stop before.
    expect(findStops('press-1', states, planned, entries, { reasonAfterMs: 5 * MIN }, at(18))[0]?.needsReason).toBe(true);
  });

  it('UNKNOWN (no signal) is not a stop', () => {
    const states = [{ state: 'UNKNOWN' as const, from: at(8, 30), to: at(17, 30) }];
    expect(findStops('press-1', states, planned, [], { reasonAfterMs: 5 * MIN }, at(18))).toEqual([]);
  });
});

describe('how long a stop has waited for its reason (the reasonMissing alarm)', () => {
  const settings = { reasonAfterMs: 5 * MIN };

  it('counts from when the stop began to ask, not from when it began: a machine left off overnight is not hours late at 08:35', () => {
    // OFF since 17:40 the evening before; planned time begins at 08:30, so the stop asks at 08:35.
    const states = [{ state: 'OFF' as const, from: at(-7, 40), to: at(8, 50) }];
    const [stop] = findStops('press-1', states, planned, [], settings, at(8, 50));
    expect(stop).toMatchObject({ from: at(-7, 40), askedAt: at(8, 35), needsReason: true });
    expect(reasonWaitMs(stop ? [stop] : [], at(8, 50))).toBe(15 * MIN);
  });

  it('a stop across lunch asks once five planned minutes have passed, after the break', () => {
    const day = [
      { from: at(8, 30), to: at(12), shift: 'day', day: '2025-06-02' },
      { from: at(13), to: at(17, 30), shift: 'day', day: '2025-06-02' },
    ];
    const states = [{ state: 'IDLE' as const, from: at(11, 58), to: at(13, 20) }];
    const [stop] = findStops('press-1', states, day, [], settings, at(14));
    expect(stop?.askedAt).toBe(at(13, 3));
    // It ended at 13:20 without a reason: at 14:00 it has waited 57 minutes, not the 2 h since it began.
    expect(reasonWaitMs(stop ? [stop] : [], at(14))).toBe(57 * MIN);
  });

  it('a stop that has its reason, or was too short to ask, is not waiting', () => {
    const states = [
      { state: 'OFF' as const, from: at(9), to: at(9, 3) },
      { state: 'RUN' as const, from: at(9, 3), to: at(10) },
      { state: 'OFF' as const, from: at(10), to: at(10, 30) },
    ];
    const reason = {
      id: 'r',
      machine: 'press-1',
      at: at(10, 31),
      stopFrom: at(10),
      from: at(10),
      to: null,
      reason: 'setup',
      note: null,
      by: 'op',
    };
    const stops = findStops('press-1', states, planned, [reason], settings, at(11));
    expect(stops.map((s) => s.askedAt)).toEqual([null, at(10, 5)]);
    expect(reasonWaitMs(stops, at(11))).toBeNull();
  });
});

describe('a machine asked only about some stops (askReasonFor: a compressor whose idling is its work)', () => {
  const compressor = { reasonAfterMs: 5 * MIN, askFor: ['OFF', 'FAULT'] as const };
  // Load/unload: 20 min idling (a stop by time, its normal work), then switched off for 30 min, then a 3-min trip.
  const states = [
    { state: 'RUN' as const, from: at(8, 30), to: at(9) },
    { state: 'IDLE' as const, from: at(9), to: at(9, 20) },
    { state: 'RUN' as const, from: at(9, 20), to: at(10) },
    { state: 'IDLE' as const, from: at(10), to: at(10, 20) },
    { state: 'OFF' as const, from: at(10, 20), to: at(10, 50) },
    { state: 'RUN' as const, from: at(10, 50), to: at(11) },
    { state: 'IDLE' as const, from: at(11), to: at(11, 30) },
    { state: 'FAULT' as const, from: at(11, 30), to: at(11, 33) },
    { state: 'RUN' as const, from: at(11, 33), to: at(17, 30) },
  ];

  it('does not ask about its idling, asks when it is switched off, and counts the wait from five minutes of OFF', () => {
    const stops = findStops('compressor', states, planned, [], compressor, at(18));
    expect(stops.map((s) => [s.from, s.asked, s.needsReason, s.unanswered])).toEqual([
      [at(9), false, false, '_unasked'],
      // Idling then off is one stop: it asks once it has been off five planned minutes, for the whole stop.
      [at(10), true, true, '_none'],
      // 30 min idle and a 3-min trip: the trip alone is too short to ask.
      [at(11), false, false, '_unasked'],
    ]);
    expect(stops[1]?.askedAt).toBe(at(10, 25));
    expect(reasonWaitMs(stops, at(10, 35))).toBe(10 * MIN);
  });

  it('asks about every stop by default, as before', () => {
    const stops = findStops('compressor', states, planned, [], { reasonAfterMs: 5 * MIN }, at(18));
    expect(stops.map((s) => s.needsReason)).toEqual([true, true, true]);
    expect(stops[0]?.askedAt).toBe(at(9, 5));
  });

  it('asks about nothing with an empty list; its long stops are not called short in the Pareto, and come last there', () => {
    const stops = findStops('compressor', states, planned, [], { reasonAfterMs: 5 * MIN, askFor: [] }, at(18));
    expect(stops.some((s) => s.asked || s.needsReason)).toBe(false);
    const short = [{ state: 'IDLE' as const, from: at(12), to: at(12, 3) }];
    const more = findStops('compressor', short, planned, [], { reasonAfterMs: 5 * MIN, askFor: [] }, at(18));
    const bars = pareto([...stops, ...more], new Set());
    // Last although the largest: the Pareto leads with what can be improved.
    expect(bars.map((b) => [b.reason, b.ms / MIN, b.stops, b.cumulative])).toEqual([
      ['_short', 3, 1, 3 / 106],
      ['_unasked', 103, 3, 1],
    ]);
  });

  it('takes the setting from the kit file: the machine’s list, all three for machines without one', () => {
    const config = parseKitYaml(`
kit: { id: k1, site: 試験工場 }
sources: { gpio: [{ id: a, pin: 17 }, { id: b, pin: 18 }] }
machines: [{ id: compressor, name: コンプレッサー, source: { gpio: a } }, { id: press-1, name: プレス, source: { gpio: b } }]
production: { reasonAfterMinutes: 3, machines: [{ machine: compressor, askReasonFor: [OFF, FAULT] }] }
`);
    expect(stopSettingsOf(config.production, 'compressor')).toEqual({ reasonAfterMs: 3 * MIN, askFor: ['OFF', 'FAULT'] });
    expect(stopSettingsOf(config.production, 'press-1')).toEqual({ reasonAfterMs: 3 * MIN, askFor: ['OFF', 'IDLE', 'FAULT'] });
  });
});

describe('the Pareto with planned stops (計画停止): after the improvement targets, before the stops not asked about', () => {
  it('puts the largest bar, a planned stop, after the smaller targets; the kit’s default list marks 計画停止 planned', () => {
    const config = parseKitYaml(`
kit: { id: k1, site: 試験工場 }
sources: { gpio: [{ id: a, pin: 17 }] }
machines: [{ id: press-1, name: プレス, source: { gpio: a } }]
`);
    const plannedIds = plannedReasonIds(config.production.reasons);
    expect([...plannedIds]).toEqual(['planned']);
    // 40 min planned maintenance, 20 min breakdown, 10 min waiting for material, 50 min idling it is not asked about.
    const states = [
      { state: 'OFF' as const, from: at(8, 30), to: at(9, 10) },
      { state: 'RUN' as const, from: at(9, 10), to: at(10) },
      { state: 'FAULT' as const, from: at(10), to: at(10, 20) },
      { state: 'RUN' as const, from: at(10, 20), to: at(11) },
      { state: 'OFF' as const, from: at(11), to: at(11, 10) },
      { state: 'RUN' as const, from: at(11, 10), to: at(13) },
      { state: 'IDLE' as const, from: at(13), to: at(13, 50) },
      { state: 'RUN' as const, from: at(13, 50), to: at(17, 30) },
    ];
    const entries = [
      reasonEntry('planned', at(8, 30), 'planned', 30 * MIN),
      reasonEntry('breakdown', at(10), 'breakdown', 30 * MIN),
      reasonEntry('material', at(11), 'material', 30 * MIN),
    ];
    const stops = findStops('press-1', states, planned, entries, { reasonAfterMs: 5 * MIN, askFor: ['OFF', 'FAULT'] }, at(18));
    expect(pareto(stops, plannedIds).map((b) => [b.reason, b.ms / MIN, b.cumulative])).toEqual([
      ['breakdown', 20, 20 / 120],
      ['material', 10, 30 / 120],
      ['planned', 40, 70 / 120],
      ['_unasked', 50, 1],
    ]);
  });
});
