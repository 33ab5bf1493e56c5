/** A signal tower on the kit's GPIO: the lamp inputs of one `sources.towers` entry fed through the pure tower stage. */
import type { SignalTowerConfig } from '../../../config/schema.js';
import {
  advanceTower,
  DEFAULT_MEANING,
  initialTowerMemory,
  LAMP_COLOURS,
  type LampColour,
  type LampMeaning,
  type MeaningKey,
  stepTower,
  type TowerMemory,
  type TowerSettings,
  type TowerStep,
} from '../../stages/signalTower.js';

export function towerSettingsOf(cfg: SignalTowerConfig): TowerSettings {
  const meaning: Record<MeaningKey, LampMeaning> = { ...DEFAULT_MEANING };
  for (const [key, value] of Object.entries(cfg.meaning)) if (value) meaning[key as MeaningKey] = value;
  return {
    lamps: LAMP_COLOURS.filter((colour) => cfg.lamps[colour] !== undefined),
    meaning,
    glitchMs: cfg.glitchMs,
    blinkPhaseMaxMs: cfg.blinkPhaseMaxMs,
  };
}

export function createSignalTower(cfg: SignalTowerConfig) {
  const settings = towerSettingsOf(cfg);
  const colourOf = new Map(settings.lamps.map((colour) => [cfg.lamps[colour] as string, colour]));
  let memory: TowerMemory = initialTowerMemory();
  const keep = (step: TowerStep) => {
    memory = step.memory;
    return step;
  };
  return {
    id: cfg.id,
    /** The GPIO input ids of its lamps. */
    inputs: [...colourOf.keys()],
    /** One lamp input's level (undefined for an input that is not one of its lamps). */
    sample(input: string, ts: number, on: boolean): TowerStep | undefined {
      const lamp = colourOf.get(input);
      return lamp ? keep(stepTower(settings, memory, { ts, lamp, on })) : undefined;
    },
    /** Time passing: steady lamps are told from blinking ones by how long they hold. */
    tick(now: number): TowerStep {
      return keep(advanceTower(settings, memory, now));
    },
    /** What the kit sees now, for the health report: the state and each lamp's pattern. */
    snapshot() {
      const lamps: Partial<Record<LampColour, string>> = {};
      for (const colour of settings.lamps) lamps[colour] = memory.lamps[colour]?.pattern ?? 'unknown';
      return { state: memory.state ?? null, since: memory.since ?? null, lamps };
    },
  };
}

export type SignalTower = ReturnType<typeof createSignalTower>;
