import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  advanceTower,
  DEFAULT_MEANING,
  initialTowerMemory,
  type LampSample,
  stepTower,
  type TowerChange,
  type TowerSettings,
  type TowerStep,
} from '../../edge/stages/signalTower.js';

const root = new URL('./signal-tower/', import.meta.url);
/** The edge's timer: steady lamps are recognised by time passing between edges. */
const TICK_MS = 1000;

const jsonl = (file: URL) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));

function settingsFrom(file: URL): TowerSettings {
  const cfg = parse(readFileSync(file, 'utf8'));
  return {
    lamps: cfg.lamps,
    meaning: { ...DEFAULT_MEANING, ...cfg.meaning },
    glitchMs: cfg.glitchMs ?? 80,
    blinkPhaseMaxMs: cfg.blinkPhaseMaxMs ?? 1500,
  };
}

/**
 * Replays lamp edges with a fake clock ticking every second, as the edge does. Checks on the way that nothing is dated
 * before what the stage called settled, and that settled keeps up with the clock (at most two blink phases behind).
 */
function replay(settings: TowerSettings, samples: LampSample[]): TowerChange[] {
  let memory = initialTowerMemory();
  const changes: TowerChange[] = [];
  let settled = Number.NEGATIVE_INFINITY;
  const take = (step: TowerStep) => {
    memory = step.memory;
    for (const change of step.changes) {
      expect(change.ts, 'a change dated before the time the stage had called settled').toBeGreaterThanOrEqual(settled);
      changes.push(change);
    }
    if (step.settledUntil !== undefined) {
      expect(step.settledUntil).toBeGreaterThanOrEqual(settled);
      settled = step.settledUntil;
    }
  };
  const first = samples[0]?.ts ?? 0;
  const end = (samples.at(-1)?.ts ?? 0) + 5 * TICK_MS;
  let next = 0;
  const maxLag = 2 * settings.blinkPhaseMaxMs + settings.glitchMs + TICK_MS;
  for (let tick = first; tick <= end; tick += TICK_MS) {
    take(advanceTower(settings, memory, tick));
    if (memory.state !== undefined) expect(tick - settled, 'settled fell behind the clock').toBeLessThanOrEqual(maxLag);
    while (next < samples.length && (samples[next] as LampSample).ts < tick + TICK_MS)
      take(stepTower(settings, memory, samples[next++] as LampSample));
  }
  return changes;
}

describe('signal tower golden cases', () => {
  for (const name of readdirSync(root)) {
    it(name, () => {
      const dir = new URL(`${name}/`, root);
      const changes = replay(settingsFrom(new URL('config.yaml', dir)), jsonl(new URL('input.jsonl', dir)));
      expect(changes).toEqual(jsonl(new URL('expected.jsonl', dir)));
    });
  }
});
