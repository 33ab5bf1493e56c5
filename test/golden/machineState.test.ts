import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  checkSilence,
  initialMachineMemory,
  type MachineSample,
  type MachineStateSettings,
  type StateChange,
  stepMachineState,
} from '../../edge/stages/machineState.js';

const root = new URL('./machine-state/', import.meta.url);
const jsonl = (file: URL) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));

/** Replays one case: samples go through the stage, `{tick}` lines stand for the edge's silence timer. */
function replay(settings: MachineStateSettings, input: (MachineSample | { tick: number })[]): StateChange[] {
  let memory = initialMachineMemory();
  const changes: StateChange[] = [];
  for (const item of input) {
    const out = 'tick' in item ? checkSilence(settings, memory, item.tick) : stepMachineState(settings, memory, item);
    memory = out.memory;
    changes.push(...out.changes);
  }
  return changes;
}

function settingsFrom(file: URL): MachineStateSettings {
  const cfg = parse(readFileSync(file, 'utf8'));
  return { ...cfg, minDwellMs: cfg.minDwellSeconds * 1000, silentAfterMs: cfg.silentAfterSeconds * 1000 };
}

describe('machine state golden cases', () => {
  for (const name of readdirSync(root)) {
    it(name, () => {
      const dir = new URL(`${name}/`, root);
      const changes = replay(settingsFrom(new URL('config.yaml', dir)), jsonl(new URL('input.jsonl', dir)));
      expect(changes).toEqual(jsonl(new URL('expected.jsonl', dir)));
    });
  }
});

describe('the recorded day, read as a shop-floor person would', () => {
  const dir = new URL('recorded-day/', root);
  const changes = replay(settingsFrom(new URL('config.yaml', dir)), jsonl(new URL('input.jsonl', dir)));
  const clock = (ts: number) => new Date(ts + 9 * 3_600_000).toISOString().slice(11, 16); // Asia/Tokyo

  it('runs only within the working day (08:30–17:30) and ends the day stopped', () => {
    const runs = changes.filter((c) => c.state === 'RUN').map((c) => clock(c.ts));
    expect(runs.length).toBeGreaterThan(5);
    expect(runs.every((t) => t >= '08:30' && t < '17:30')).toBe(true);
    expect(changes.at(-1)?.state).toBe('OFF');
  });

  it('shows the pulled cable (15:00–15:05) as no signal, from the last sample, and recovers', () => {
    const unknown = changes.filter((c) => c.state === 'UNKNOWN');
    expect(unknown).toHaveLength(1);
    expect(clock(unknown[0]?.ts as number)).toBe('14:59');
    expect(clock(changes[changes.indexOf(unknown[0] as StateChange) + 1]?.ts as number)).toBe('15:05');
  });
});
