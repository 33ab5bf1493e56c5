import { describe, expect, it } from 'vitest';
import { localClockToMs, localDayIndex, TOKYO_OFFSET_MINUTES } from '../../../firmware-sim/localTime.js';
import { loadScenario } from '../../../firmware-sim/scenario.js';
import {
  ClimateSignal,
  DEFAULT_CALENDAR,
  diurnalShape,
  MachineChannel,
  type MachineParams,
  MachineSignal,
  type MachineState,
} from '../../../firmware-sim/signals.js';

// 2025-06-02 (a Monday) in Tokyo.
const DAY = localDayIndex(Date.UTC(2025, 5, 2, 3), TOKYO_OFFSET_MINUTES);
const at = (hhmm: string, day = DAY) => {
  const [h, m, s] = hhmm.split(':').map(Number) as [number, number, number?];
  return localClockToMs(day, h * 60 + m, TOKYO_OFFSET_MINUTES) + (s ?? 0) * 1000;
};
const LATHE: MachineParams = { runA: 20, idleA: 2 };

interface Sample {
  t: number;
  state: MachineState;
  amps: number;
}

/** One sample per second, as the node takes them. */
function sampleDay(signal: MachineSignal, from = at('00:00'), to = at('00:00') + 86_400_000, stepMs = 1000): Sample[] {
  const channel = new MachineChannel(signal);
  const samples: Sample[] = [];
  for (let t = from; t < to; t += stepMs) samples.push({ t, ...channel.sample(t) });
  return samples;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const within = (samples: Sample[], from: string, to: string) => samples.filter((s) => s.t >= at(from) && s.t < at(to));

describe('machine current signal', () => {
  const signal = new MachineSignal({ params: LATHE, salt: 12345 });
  const day = sampleDay(signal);

  it('shows RUN-level, IDLE-level and ~0 A currents in a work day, never negative', () => {
    const work = within(day, '08:45', '17:00');
    const runLevel = work.filter((s) => s.amps >= 0.8 * LATHE.runA);
    const idleLevel = work.filter((s) => s.amps >= 0.8 * LATHE.idleA && s.amps <= 1.2 * LATHE.idleA);
    const zero = day.filter((s) => s.amps <= 0.2);
    expect(runLevel.length / work.length).toBeGreaterThan(0.3);
    expect(idleLevel.length / work.length).toBeGreaterThan(0.05);
    expect(zero.length / day.length).toBeGreaterThan(0.4);
    expect(day.filter((s) => !(Number.isFinite(s.amps) && s.amps >= 0))).toEqual([]);
    // The readings agree with the state the model reports.
    expect(day.filter((s) => s.state === 'off' && s.amps > 0.2)).toEqual([]);
    expect(day.filter((s) => s.state === 'idle' && (s.amps < 0.5 * LATHE.idleA || s.amps > 1.5 * LATHE.idleA))).toEqual([]);
    expect(day.filter((s) => s.state === 'run' && s.amps < 0.7 * LATHE.runA)).toEqual([]);
  });

  it('switches between run and idle many times a day, with cycle lengths that vary', () => {
    const segments = signal.schedule(DAY).filter((s) => s.state === 'run');
    expect(segments.length).toBeGreaterThanOrEqual(6);
    const lengths = new Set(segments.map((s) => Math.round((s.endMs - s.startMs) / 60_000)));
    expect(lengths.size).toBeGreaterThan(3);
  });

  it('draws a 3–6× start-up inrush for about 2 s after every start, then settles', () => {
    const starts = signal.schedule(DAY).filter((s) => s.state === 'run');
    for (const start of starts) {
      const first = signal.sampleAt(start.startMs);
      expect(first.state).toBe('run');
      expect(first.amps).toBeGreaterThanOrEqual(3 * LATHE.runA);
      expect(first.amps).toBeLessThanOrEqual(6 * LATHE.runA);
      expect(signal.sampleAt(start.startMs + 1000).amps).toBeGreaterThanOrEqual(2 * LATHE.runA);
      expect(signal.sampleAt(start.startMs + 3000).amps).toBeLessThan(1.3 * LATHE.runA);
    }
    // Sampled once a second, as the node does, each start still shows.
    const dayStart = at('00:00');
    for (const start of starts) {
      const first = Math.ceil((start.startMs - dayStart) / 1000);
      const peak = Math.max(...day.slice(first, first + 2).map((s) => s.amps));
      expect(peak).toBeGreaterThanOrEqual(2 * LATHE.runA);
    }
  });

  it('runs less over the lunch break than in the morning and the afternoon', () => {
    for (const salt of [1, 2, 3, 4, 5]) {
      const samples = sampleDay(new MachineSignal({ params: LATHE, salt }), at('09:00'), at('16:00'));
      const lunch = mean(within(samples, '12:00', '13:00').map((s) => s.amps));
      expect(lunch).toBeLessThan(mean(within(samples, '10:00', '12:00').map((s) => s.amps)));
      expect(lunch).toBeLessThan(mean(within(samples, '13:00', '15:00').map((s) => s.amps)));
      expect(lunch).toBeLessThanOrEqual(1.2 * LATHE.idleA);
    }
    const idleLunch = sampleDay(new MachineSignal({ params: { ...LATHE, lunch: 'idle' }, salt: 9 }), at('12:00'), at('13:00'));
    expect(idleLunch.every((s) => s.state === 'idle')).toBe(true);
    const offLunch = sampleDay(new MachineSignal({ params: { ...LATHE, lunch: 'off' }, salt: 9 }), at('12:00'), at('13:00'));
    expect(offLunch.every((s) => s.amps <= 0.2)).toBe(true);
  });

  it('is off at night and on days the factory does not work', () => {
    const night = [...within(day, '00:00', '08:30'), ...within(day, '17:30', '23:59')];
    expect(night.length).toBeGreaterThan(40_000);
    expect(night.filter((s) => s.amps > 0.2)).toEqual([]);
    const weekdaysOnly = new MachineSignal({ params: LATHE, salt: 12345, calendar: { ...DEFAULT_CALENDAR, weekdays: [1, 2, 3, 4, 5] } });
    const sunday = DAY - 1;
    expect(weekdaysOnly.schedule(sunday)).toEqual([{ startMs: at('00:00', sunday), endMs: at('00:00', DAY), state: 'off' }]);
    expect(weekdaysOnly.schedule(DAY).some((s) => s.state === 'run')).toBe(true);
  });

  it('is deterministic: the same seed gives the same day, another seed another day', () => {
    const again = sampleDay(new MachineSignal({ params: LATHE, salt: 12345 }));
    expect(again).toEqual(day);
    const other = new MachineSignal({ params: LATHE, salt: 54321 });
    expect(other.schedule(DAY)).not.toEqual(signal.schedule(DAY));
  });

  it('reads ~0 A in a breakdown window and restarts with an inrush when it ends', () => {
    // One long run from the morning on, so the window falls inside it.
    const params: MachineParams = { ...LATHE, runMinutes: [200, 200], idleMinutes: [1, 1], stopProbability: 0 };
    const broken = new MachineSignal({ params, salt: 7, breakdowns: [{ fromMin: 9 * 60 + 30, toMin: 10 * 60 }] });
    const healthy = new MachineSignal({ params, salt: 7 });
    expect(healthy.sampleAt(at('09:45')).state).toBe('run');
    for (const t of ['09:30', '09:45', '09:59:59']) {
      const s = broken.sampleAt(at(t));
      expect(s.state).toBe('off');
      expect(s.amps).toBeLessThanOrEqual(0.2);
    }
    expect(broken.sampleAt(at('10:00')).amps).toBeGreaterThanOrEqual(3 * params.runA);
    expect(broken.sampleAt(at('10:00:05')).amps).toBeLessThan(1.3 * params.runA);
    expect(broken.sampleAt(at('10:00:05')).state).toBe('run');
  });

  it('lets an override force run, idle or off from its start time, winning over the schedule', () => {
    const night = at('02:00');
    expect(signal.sampleAt(night).state).toBe('off');
    const run = { state: 'run' as const, sinceMs: night };
    expect(signal.sampleAt(night - 1000, run).state).toBe('off');
    expect(signal.sampleAt(night, run).amps).toBeGreaterThanOrEqual(3 * LATHE.runA); // a forced start is a start
    expect(signal.sampleAt(night + 10_000, run).amps).toBeGreaterThan(0.8 * LATHE.runA);
    expect(signal.sampleAt(night + 10_000, { state: 'idle', sinceMs: night }).amps).toBeCloseTo(LATHE.idleA, 0);
    const running = signal.schedule(DAY).find((s) => s.state === 'run') as { startMs: number };
    const off = signal.sampleAt(running.startMs + 60_000, { state: 'off', sinceMs: running.startMs + 30_000 });
    expect(off.state).toBe('off');
    expect(off.amps).toBeLessThanOrEqual(0.2);
  });

  it('shows an inrush when a forced stop is lifted during a planned run (sequence sampling)', () => {
    const running = signal.schedule(DAY).find((s) => s.state === 'run' && s.endMs - s.startMs > 5 * 60_000) as { startMs: number };
    const channel = new MachineChannel(signal);
    const t0 = running.startMs + 60_000;
    const forcedOff = { state: 'off' as const, sinceMs: t0 };
    expect(channel.sample(t0, forcedOff).amps).toBeLessThanOrEqual(0.2);
    expect(channel.sample(t0 + 1000, forcedOff).amps).toBeLessThanOrEqual(0.2);
    expect(channel.sample(t0 + 2000, null).amps).toBeGreaterThanOrEqual(3 * LATHE.runA);
    expect(channel.sample(t0 + 6000, null).amps).toBeLessThan(1.3 * LATHE.runA);
  });
});

describe('climate signal', () => {
  const normal = new ClimateSignal({ params: { minC: 19, maxC: 27, humidityMinPct: 45, humidityMaxPct: 68 }, salt: 3 });

  function day(signal: ClimateSignal, dayIndex = DAY) {
    const out: { hour: number; temperatureC: number; humidityPct: number }[] = [];
    for (let minute = 0; minute < 24 * 60; minute += 5)
      out.push({ hour: minute / 60, ...signal.sampleAt(localClockToMs(dayIndex, minute, TOKYO_OFFSET_MINUTES)) });
    return out;
  }

  it('peaks in the afternoon and bottoms out early in the morning', () => {
    for (const d of [DAY, DAY + 1, DAY + 40]) {
      const samples = day(normal, d);
      const hottest = samples.reduce((a, b) => (b.temperatureC > a.temperatureC ? b : a));
      const coolest = samples.reduce((a, b) => (b.temperatureC < a.temperatureC ? b : a));
      expect(hottest.hour).toBeGreaterThanOrEqual(13);
      expect(hottest.hour).toBeLessThanOrEqual(16);
      expect(coolest.hour).toBeGreaterThanOrEqual(3);
      expect(coolest.hour).toBeLessThanOrEqual(7);
      expect(hottest.temperatureC - coolest.temperatureC).toBeGreaterThan(6);
      // Humidity moves the other way.
      expect(hottest.humidityPct).toBeLessThan(coolest.humidityPct - 15);
    }
  });

  it('stays within the sensor range with only small noise between readings', () => {
    let previous = normal.sampleAt(at('10:00'));
    for (let s = 1; s < 600; s += 2) {
      const reading = normal.sampleAt(at('10:00') + s * 1000);
      expect(Math.abs(reading.temperatureC - previous.temperatureC)).toBeLessThan(0.3);
      expect(Math.abs(reading.humidityPct - previous.humidityPct)).toBeLessThan(1.5);
      expect(reading.humidityPct).toBeGreaterThanOrEqual(0);
      expect(reading.humidityPct).toBeLessThanOrEqual(100);
      previous = reading;
    }
  });

  it('has no jump at midnight', () => {
    const before = normal.sampleAt(at('00:00', DAY + 1) - 1000);
    const after = normal.sampleAt(at('00:00', DAY + 1));
    expect(Math.abs(after.temperatureC - before.temperatureC)).toBeLessThan(0.3);
  });

  it('climbs above 31 °C, to 33–35 °C, on the heat-wave scenario', async () => {
    const scenario = await loadScenario('heat-wave');
    for (const channel of scenario.channels) {
      if (channel.kind !== 'climate') continue;
      const signal = new ClimateSignal({ params: scenario.climate, salt: 11, offsetC: channel.offsetC });
      for (const d of [DAY, DAY + 1, DAY + 2]) {
        const peak = Math.max(...day(signal, d).map((s) => s.temperatureC));
        expect(peak).toBeGreaterThan(31);
        expect(peak).toBeGreaterThanOrEqual(33);
        expect(peak).toBeLessThanOrEqual(35);
        expect(signal.sampleAt(at('14:30', d)).temperatureC).toBeGreaterThan(31);
      }
    }
    const normalDay = await loadScenario('normal-day');
    const mild = new ClimateSignal({ params: normalDay.climate, salt: 11 });
    expect(Math.max(...day(mild).map((s) => s.temperatureC))).toBeLessThan(31);
  });

  it('has a diurnal shape of 0 at the coolest and 1 at the warmest hour', () => {
    expect(diurnalShape(5, 5, 14.5)).toBeCloseTo(0, 6);
    expect(diurnalShape(14.5, 5, 14.5)).toBeCloseTo(1, 6);
    expect(diurnalShape(23.99, 5, 14.5)).toBeGreaterThan(diurnalShape(4, 5, 14.5));
    expect(diurnalShape(10, 5, 14.5)).toBeGreaterThan(0.3);
  });
});
