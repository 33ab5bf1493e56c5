import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseKitYaml } from '../../config/load.js';
import { createAlarmCore } from '../../gateway/alarms/core.js';
import type { AlarmInput } from '../../gateway/alarms/evaluate.js';
import type { NotifyEvent } from '../../gateway/alarms/lifecycle.js';

const root = new URL('./alarms/', import.meta.url);
/** The engine's timer in the kit ticks every few seconds; the replay ticks every 5 s of fake time. */
const TICK_MS = 5000;

type Line = Record<string, unknown> & { at?: string; from?: string; until?: string; every?: number };

const jsonl = (file: URL): Line[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));

/** Asia/Tokyo has no DST: +09:00 is exact and reads like the shop-floor clock. */
const local = (ms: number) => `${new Date(ms + 9 * 3_600_000).toISOString().slice(0, 19)}+09:00`;

/** A value that is an array cycles through its items on every repetition of a `from…until every` line. */
const pickCycle = (value: unknown, n: number): unknown => {
  if (Array.isArray(value)) return value[n % value.length];
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pickCycle(v, n)]));
  return value;
};

/** Expands `from/until/every` repetitions into single timed lines. */
function timeline(lines: Line[]): { at: number; line: Line }[] {
  return lines.flatMap((line) => {
    if (line.at) return [{ at: Date.parse(line.at), line }];
    const from = Date.parse(line.from as string);
    const until = Date.parse(line.until as string);
    const step = (line.every as number) * 1000;
    const out: { at: number; line: Line }[] = [];
    for (let t = from, n = 0; t <= until; t += step, n++) out.push({ at: t, line: pickCycle(line, n) as Line });
    return out;
  });
}

function inputOf(line: Line, at: number): AlarmInput | undefined {
  if (line.watts) return { kind: 'power', ...(line.watts as { machine: string; watts: number }) };
  if (line.climate)
    return { kind: 'climate', ...(line.climate as { zone: string; temperatureC: number; humidityPct: number; wbgtC: number }) };
  if (line.amps) return { kind: 'current', ...(line.amps as { machine: string; amps: number }) };
  if (line.state) {
    const s = line.state as { machine: string; state: 'OFF' | 'IDLE' | 'RUN' | 'FAULT' | 'UNKNOWN' };
    return { kind: 'state', machine: s.machine, state: s.state, since: at };
  }
  if (line.seen) return { kind: 'seen', node: line.seen as string };
  return undefined;
}

/** Replays a case through the core with a fake clock: the engine's `start`, then ticks every 5 s and the lines in time order. */
function replay(configText: string, lines: Line[]): Record<string, unknown>[] {
  const core = createAlarmCore(parseKitYaml(configText));
  const events: { at: number; event: NotifyEvent }[] = [];
  const items = timeline(lines).sort((a, b) => a.at - b.at);
  const first = items[0]?.at ?? 0;
  const collect = (at: number, out: NotifyEvent[]) => {
    for (const event of out) events.push({ at, event });
  };
  collect(first, core.step({ kind: 'start' }, first).events);
  let nextTick = first;
  for (const { at, line } of items) {
    for (; nextTick <= at; nextTick += TICK_MS) collect(nextTick, core.step({ kind: 'tick' }, nextTick).events);
    if (line.ack) {
      const { key, by, comment } = line.ack as { key: string; by: string; comment?: string };
      const alarm = core.list().find((a) => `${a.ruleId}/${a.target.id}` === key && !a.acknowledgedAt);
      if (!alarm) throw new Error(`no alarm to acknowledge for ${key} at ${line.at}`);
      const result = core.acknowledge(alarm.id, by, comment, at);
      if (result.ok) collect(at, [result.event]);
      continue;
    }
    const input = inputOf(line, at);
    if (input) collect(at, core.step(input, at).events);
  }
  return events.map(({ at, event: { kind, alarm } }) => ({
    at: local(at),
    kind,
    key: `${alarm.ruleId}/${alarm.target.id}`,
    state: alarm.state,
    value: alarm.value,
    ...(kind === 'acknowledged' ? { by: alarm.acknowledgedBy } : {}),
  }));
}

describe('alarm golden cases', () => {
  for (const name of readdirSync(root)) {
    it(name, () => {
      const dir = new URL(`${name}/`, root);
      const got = replay(readFileSync(new URL('config.yaml', dir), 'utf8'), jsonl(new URL('input.jsonl', dir)));
      expect(got).toEqual(jsonl(new URL('expected.jsonl', dir)));
    });
  }
});
