/**
 * What the demo's operators would have entered over the filled days: a reason for most stops that asked for one, and each
 * board hour's rejects. The stops are found by the same stage the API uses, so every entry lands on a stop the Pareto, the
 * production board and OEE see; the entries are stored as an operator's tap is. Pure and deterministic: the same history
 * gives the same entries, so filling it again overwrites instead of adding.
 */
import type { StopReasonConfig } from '../../config/productionSchema.js';
import type { KitConfig } from '../../config/schema.js';
import { shiftOccurrences } from '../production/plan.js';
import type { RejectEntry } from '../production/record.js';
import { PENDING_WINDOW_MS } from '../production/service.js';
import { findStops, type Stop, stopSettingsOf } from '../production/stops.js';
import type { ReasonRecord } from '../production/store.js';
import { plannedIntervals } from '../utilization/calendar.js';
import { type StateInterval, windows } from '../utilization/utilization.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Stops left without a reason (someone forgot), among those old enough to have left the tablet's list. */
const UNANSWERED_SHARE = 0.12;
/** A stop this long was a breakdown; one that held the machine when work (re)started, or came this soon after, was the changeover. */
const BREAKDOWN_MS = 60 * MINUTE;
const SETUP_WINDOW_MS = 20 * MINUTE;
/** Stops at least this long are split in two now and then: the material came, then the set-up took the rest. */
const SPLIT_MS = 30 * MINUTE;
const SPLIT_SHARE = 0.3;
/** The rest, weighted as a small job shop's stop time tends to be: mostly waiting and changeovers. */
const EVERYDAY: [string, number][] = [
  ['material', 0.34],
  ['setup', 0.22],
  ['quality', 0.18],
  ['other', 0.12],
  ['planned', 0.08],
  ['breakdown', 0.06],
];
const NOTES = ['工具交換', '清掃', '刃具の確認', '打合せ'];
/** Rejects per part in an hour: 0 to 2 %. */
const REJECT_RATE = 0.02;

/**
 * A deterministic "random" number in [0, 1) per text, so the demo's history is the same each time it is made: FNV-1a, then
 * MurmurHash3's finaliser, so that keys differing in their last characters still spread over the whole range.
 */
export function demoHash(text: string): number {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

/** A machine's state changes as the edge published them, as a timeline to `to`. */
export function timelineOf(changes: { ts: number; state: StateInterval['state'] }[], to: number): StateInterval[] {
  return changes.map((c, i) => ({ state: c.state, from: c.ts, to: changes[i + 1]?.ts ?? to })).filter((iv) => iv.to > iv.from);
}

export interface DemoEntriesInput {
  config: KitConfig;
  from: number;
  to: number;
  /** Who entered them. */
  by: string;
}

/** The reason entries for the stops of each machine's timeline in [from, to). */
export function demoReasons(input: DemoEntriesInput, timelines: Map<string, StateInterval[]>): ReasonRecord[] {
  const { config, from, to, by } = input;
  const planned = plannedIntervals(config.calendar, config.kit.timeZone, from, to);
  const workStarts = planned.map((p) => p.from);
  const reasons = config.production.reasons;
  const entries: ReasonRecord[] = [];
  for (const [machine, states] of timelines) {
    const settings = stopSettingsOf(config.production, machine);
    // Only stops that asked: a compressor's idling (askReasonFor without IDLE) is left as the tablet left it, unasked.
    for (const stop of findStops(machine, states, planned, [], settings, to)) {
      if (!stop.asked) continue;
      const key = `${machine}/${stop.from}`;
      // The tablet lists a day's stops waiting for a reason: the recent ones were all answered, so the overview starts clean.
      if (stop.to < to - PENDING_WINDOW_MS && demoHash(`${key}/unanswered`) < UNANSWERED_SHARE) continue;
      const reason = storyReason(stop, workStarts, key);
      const at = Math.min(to - 1, stop.from + settings.reasonAfterMs + Math.round((1 + 14 * demoHash(`${key}/at`)) * MINUTE));
      const entry = (part: string, id: string, partFrom: number, partTo: number | null, when: number): ReasonRecord => {
        const chosen = configured(reasons, id, demoHash(`${key}/${part}/fallback`));
        return {
          id: `demo-${machine}-${stop.from.toString(36)}-${part}`,
          machine,
          at: when,
          stopFrom: stop.from,
          from: partFrom,
          to: partTo,
          reason: chosen.id,
          note: chosen.note ? (NOTES[Math.floor(demoHash(`${key}/note`) * NOTES.length)] as string) : null,
          by,
          role: 'operator',
          previousReason: null,
        };
      };
      if (reason !== 'breakdown' && stop.plannedMs >= SPLIT_MS && demoHash(`${key}/split`) < SPLIT_SHARE) {
        const cut = stop.from + Math.round(((0.3 + 0.4 * demoHash(`${key}/cut`)) * (stop.to - stop.from)) / MINUTE) * MINUTE;
        const when = Math.min(to - 1, Math.max(at, cut + 2 * MINUTE));
        entries.push(entry('a', 'material', stop.from, cut, when), entry('b', 'setup', cut, null, when));
      } else entries.push(entry('a', reason, stop.from, null, at));
    }
  }
  return entries;
}

/** The reason a stop gets in the demo's story: long ones broke down, early ones were the changeover, the rest by weight. */
function storyReason(stop: Stop, workStarts: number[], key: string): string {
  if (stop.plannedMs >= BREAKDOWN_MS) return 'breakdown';
  if (workStarts.some((start) => stop.from < start + SETUP_WINDOW_MS && stop.to > start)) return 'setup';
  let u = demoHash(`${key}/reason`);
  for (const [id, weight] of EVERYDAY) {
    if (u < weight) return id;
    u -= weight;
  }
  return 'material';
}

/** The kit's own reason of that id; a kit whose list differs gets one of its own unplanned reasons instead. */
function configured(reasons: StopReasonConfig[], id: string, u: number): StopReasonConfig {
  const own = reasons.find((r) => r.id === id);
  if (own) return own;
  const unplanned = reasons.filter((r) => !r.planned);
  const pool = unplanned.length > 0 ? unplanned : reasons;
  return pool[Math.floor(u * pool.length)] as StopReasonConfig;
}

/** Each finished board hour's rejects, for the machines that count parts: a small share of what the hour made. */
export function demoRejects(input: DemoEntriesInput, parts: Map<string, { ts: number; parts: number }[]>): RejectEntry[] {
  const { config, from, to, by } = input;
  const tz = config.kit.timeZone;
  const entries: RejectEntry[] = [];
  // Shifts whole (not cut at `to`), so that the hour still running is left to the live kit.
  for (const shift of shiftOccurrences(plannedIntervals(config.calendar, tz, from, to + DAY))) {
    for (const hour of windows('hour', tz, shift.from, shift.to)) {
      if (hour.to > to) break;
      for (const [machine, made] of parts) {
        const inHour = made.reduce((sum, p) => (p.ts >= hour.from && p.ts < hour.to ? sum + p.parts : sum), 0);
        if (inHour === 0) continue;
        const key = `${machine}/${hour.from}`;
        // Rounded at random, so an hour of a slow machine has a reject now and then rather than never.
        const count = Math.floor(inHour * REJECT_RATE * demoHash(`${key}/rejects`) + demoHash(`${key}/round`));
        const at = Math.min(to - 1, hour.to + Math.round((2 + 8 * demoHash(`${key}/at`)) * MINUTE));
        entries.push({ machine, at, hourFrom: hour.from, count, by });
      }
    }
  }
  return entries;
}
