import { describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../../../config/load.js';
import { demoReasons, demoRejects } from '../../../../gateway/demo/production.js';
import { findStops } from '../../../../gateway/production/stops.js';
import { plannedIntervals } from '../../../../gateway/utilization/calendar.js';
import type { StateInterval } from '../../../../gateway/utilization/utilization.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const EVERY_DAY = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** Five days from a UTC midnight, with a day shift 08:30–17:30 (UTC) and lunch at 12:00. */
const from = Date.UTC(2025, 5, 2);
const to = from + 5 * DAY;
const kit = (reasons?: unknown) =>
  parseKitConfig({
    kit: { id: 'demo', site: 'test', timeZone: 'UTC' },
    calendar: {
      shifts: [{ id: 'day', name: '日勤', start: '08:30', end: '17:30', breaks: [{ start: '12:00', end: '13:00' }], days: EVERY_DAY }],
    },
    production: reasons ? { reasons } : {},
  });

/**
 * A machine that runs 25 minutes and stops 7 from 08:00 to 18:00 every day (35 in the afternoons), and breaks down for 90 minutes
 * on the last day.
 */
function timeline(): StateInterval[] {
  const out: StateInterval[] = [];
  let t = from;
  const push = (state: StateInterval['state'], until: number) => {
    out.push({ state, from: t, to: until });
    t = until;
  };
  for (let day = 0; day < 5; day++) {
    const start = from + day * DAY;
    push('OFF', start + 8 * 60 * MIN);
    while (t < start + 18 * 60 * MIN) {
      push('RUN', t + 25 * MIN);
      const hour = (t - start) / (60 * MIN);
      push('IDLE', t + (day === 4 && hour > 10 && hour < 11 ? 90 : hour > 13 && hour < 17 ? 35 : 7) * MIN);
    }
  }
  push('OFF', to);
  return out;
}

describe('the demo operator’s stop reasons', () => {
  it('answers from the kit’s own list: the changeover, the breakdown, the everyday reasons, and splits a long stop now and then', () => {
    const config = kit();
    const entries = demoReasons({ config, from, to, by: 'demo' }, new Map([['m1', timeline()]]));
    const ids = new Set(config.production.reasons.map((r) => r.id));
    expect(entries.length).toBeGreaterThan(50);
    for (const e of entries) {
      expect(ids).toContain(e.reason);
      expect(e).toMatchObject({ machine: 'm1', by: 'demo', role: 'operator', previousReason: null });
      expect(e.at).toBeGreaterThan(e.stopFrom);
      expect(e.at).toBeLessThan(to);
      // "Other" asks for a few words; the rest need none.
      expect(e.note !== null).toBe(e.reason === 'other');
    }
    expect(new Set(entries.map((e) => e.reason)).size).toBeGreaterThanOrEqual(5);
    // The 90-minute stop was a breakdown.
    const long = entries.find((e) => e.stopFrom > from + 4 * DAY + 10 * 60 * MIN && e.stopFrom < from + 4 * DAY + 11 * 60 * MIN);
    expect(long?.reason).toBe('breakdown');
    // A long stop split in two: the first part ends where the second begins, both on the stop's start.
    const parts = entries.filter((e) => e.to !== null);
    expect(parts.length).toBeGreaterThan(0);
    for (const first of parts)
      expect(entries.some((e) => e.stopFrom === first.stopFrom && e.from === first.to && e.to === null)).toBe(true);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
  });

  it('leaves about one in eight older stops unanswered and answers every stop of the last day', () => {
    const config = kit();
    const entries = demoReasons({ config, from, to, by: 'demo' }, new Map([['m1', timeline()]]));
    const answered = new Set(entries.map((e) => e.stopFrom));
    const planned = plannedIntervals(config.calendar, 'UTC', from, to);
    const asked = findStops('m1', timeline(), planned, [], { reasonAfterMs: 5 * MIN }, to).filter((s) => s.asked);
    const old = asked.filter((s) => s.to < to - DAY);
    const recent = asked.filter((s) => s.to >= to - DAY);
    const missing = old.filter((s) => !answered.has(s.from)).length;
    expect(missing).toBeGreaterThan(0);
    expect(missing / old.length).toBeLessThan(0.25);
    expect(recent.length).toBeGreaterThan(5);
    expect(recent.filter((s) => !answered.has(s.from))).toEqual([]);
  });

  it('uses a kit’s own list when it has other ids, never turning a loss into a planned stop', () => {
    const config = kit([
      { id: 'wait', name: '待ち' },
      { id: 'tooling', name: '工具' },
      { id: 'maint', name: '保全', planned: true },
    ]);
    const entries = demoReasons({ config, from, to, by: 'demo' }, new Map([['m1', timeline()]]));
    expect(entries.length).toBeGreaterThan(50);
    expect(new Set(entries.map((e) => e.reason))).toEqual(new Set(['wait', 'tooling']));
  });

  it('gives no reason to a stop the machine is not asked about: a compressor idling is left as the tablet left it', () => {
    const config = kit();
    config.production.machines.push({ machine: 'compressor', askReasonFor: ['OFF', 'FAULT'] });
    const timelines = new Map([
      ['compressor', timeline()],
      ['m1', timeline()],
    ]);
    const entries = demoReasons({ config, from, to, by: 'demo' }, timelines);
    expect(entries.filter((e) => e.machine === 'compressor')).toEqual([]);
    expect(entries.filter((e) => e.machine === 'm1').length).toBeGreaterThan(50);
  });
});

describe('the demo operator’s rejects', () => {
  it('enters each finished shift hour that made parts, a couple of percent at most, and nothing for the hour still running', () => {
    const config = kit();
    const now = from + DAY + 10 * 60 * MIN + 20 * MIN;
    // 100 parts an hour all day long.
    const parts = Array.from({ length: (now - from) / (36 * 1000) }, (_, i) => ({ ts: from + i * 36_000, parts: 1 }));
    const entries = demoRejects({ config, from, to: now, by: 'demo' }, new Map([['m1', parts]]));
    // Day 1: 08:30–09:00 and 09:00 … 17:00–17:30 (lunch hour included, parts were made); day 2: 08:30 to 10:00.
    expect(entries.map((e) => (e.hourFrom - from) / MIN)).toEqual([
      510,
      540,
      600,
      660,
      720,
      780,
      840,
      900,
      960,
      1020,
      1440 + 510,
      1440 + 540,
    ]);
    for (const e of entries) {
      expect(e.count).toBeGreaterThanOrEqual(0);
      expect(e.count).toBeLessThanOrEqual(3);
      expect(e.at).toBeGreaterThan(e.hourFrom);
      expect(e.at).toBeLessThan(now);
    }
  });
});
