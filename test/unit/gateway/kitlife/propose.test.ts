import { describe, expect, it } from 'vitest';
import { crossCheck, parseKitConfig } from '../../../../config/load.js';
import type { Thresholds } from '../../../../config/schema.js';
import { classify } from '../../../../edge/stages/machineState.js';
import { addReadings, emptyHistogram } from '../../../../gateway/kitlife/calibration/histogram.js';
import { proposeThresholds } from '../../../../gateway/kitlife/calibration/propose.js';
import { SCALES } from '../../../../gateway/kitlife/calibration/scale.js';

/** A seeded generator, so a failure can be replayed. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Level = { state: 'OFF' | 'IDLE' | 'RUN'; amps: number; spread: number; count: number };
/** Readings of a machine that sits at some levels: noise around each level, never below 0. */
function readings(levels: Level[], seed = 1) {
  const r = random(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(r() || 1e-9)) * Math.cos(2 * Math.PI * r());
  return levels.flatMap((l) => Array.from({ length: l.count }, () => ({ state: l.state, amps: Math.max(0, l.amps + l.spread * gauss()) })));
}

function propose(levels: Level[], current?: Thresholds) {
  const samples = readings(levels);
  const h = emptyHistogram();
  addReadings(
    h,
    samples.map((s) => s.amps),
  );
  return { samples, proposal: proposeThresholds(h, current) };
}

/** The thresholds must pass the kit file's own rules. */
function validInKitFile(thresholds: Thresholds): boolean {
  const config = parseKitConfig({
    kit: { id: 'k', site: 's' },
    sources: { serial: [{ id: 'n', path: '/dev/null' }] },
    machines: [{ id: 'm', name: 'M', source: { node: 'n', channel: 'ct1' }, thresholds }],
  });
  return crossCheck(config).length === 0;
}

describe('threshold proposal from the distribution of RMS current', () => {
  it('finds stop, idle and run of a lathe and puts the limits in the valleys, so nearly every reading is classed as it was', () => {
    const { samples, proposal } = propose([
      { state: 'OFF', amps: 0.08, spread: 0.04, count: 4000 },
      { state: 'IDLE', amps: 1.6, spread: 0.25, count: 2000 },
      { state: 'RUN', amps: 12, spread: 2.5, count: 4000 },
    ]);
    expect(proposal.confidence).toBe('good');
    expect(proposal.levels.map((l) => l.state)).toEqual(['OFF', 'IDLE', 'RUN']);
    const t = proposal.thresholds as Thresholds;
    expect(t.idleAbove).toBeGreaterThan(0.25);
    expect(t.idleAbove).toBeLessThan(1.0);
    expect(t.runAbove).toBeGreaterThan(2.5);
    expect(t.runAbove).toBeLessThan(7);
    expect(validInKitFile(t)).toBe(true);
    const settings = { ...t, minDwellMs: 0, silentAfterMs: 1 };
    const right = samples.filter((s) => classify(settings, { ts: 0, amps: s.amps }, 'OFF') === s.state).length;
    expect(right / samples.length).toBeGreaterThan(0.99);
    // A reading of a running machine that dips by the hysteresis stays RUN; one at the idle level does not.
    expect(classify(settings, { ts: 0, amps: t.runAbove - t.hysteresis * 0.9 }, 'RUN')).toBe('RUN');
    expect(classify(settings, { ts: 0, amps: 2.2 }, 'RUN')).toBe('IDLE');
    expect(proposal.shares?.RUN).toBeCloseTo(0.4, 1);
  });

  it('with only stop and one working level, proposes with low confidence and says that no idle was seen', () => {
    const { proposal } = propose([
      { state: 'OFF', amps: 0.05, spread: 0.03, count: 3000 },
      { state: 'RUN', amps: 8, spread: 1.5, count: 3000 },
    ]);
    expect(proposal.confidence).toBe('low');
    const t = proposal.thresholds as Thresholds;
    expect(t.runAbove).toBeLessThan(5);
    expect(t.idleAbove).toBeGreaterThan(0.15);
    expect(validInKitFile(t)).toBe(true);
    expect(proposal.notes.map((n) => n.en).join()).toContain('no idle level');
  });

  it('keeps the configured stop limit when the machine never stopped in the span', () => {
    const { proposal } = propose(
      [
        { state: 'IDLE', amps: 2, spread: 0.3, count: 3000 },
        { state: 'RUN', amps: 20, spread: 3, count: 3000 },
      ],
      { idleAbove: 0.6, runAbove: 5, hysteresis: 0.2 },
    );
    expect(proposal.confidence).toBe('low');
    expect(proposal.thresholds?.idleAbove).toBe(0.6);
    expect(proposal.thresholds?.runAbove).toBeGreaterThan(3);
    expect(proposal.thresholds?.runAbove).toBeLessThan(12);
  });

  it('proposes nothing from too few readings or from a machine that only stood still', () => {
    const few = propose([{ state: 'RUN', amps: 10, spread: 1, count: 20 }]).proposal;
    expect(few.confidence).toBe('none');
    expect(few.thresholds).toBeUndefined();
    const still = propose([{ state: 'OFF', amps: 0.05, spread: 0.02, count: 2000 }]).proposal;
    expect(still.confidence).toBe('none');
    expect(still.notes[0]?.ja).toContain('止まっていただけ');
  });
});

describe("threshold proposal for a machine watched through a meter's power", () => {
  /** A grinder on an SDM630: a few watts stopped, its coolant pump and controls idling, the spindle grinding. */
  const grinder: Level[] = [
    { state: 'OFF', amps: 4, spread: 2, count: 3000 },
    { state: 'IDLE', amps: 450, spread: 50, count: 2000 },
    { state: 'RUN', amps: 5200, spread: 900, count: 3000 },
  ];

  it('proposes thresholds in watts in the valleys, valid for a power machine, so nearly every reading is classed as it was', () => {
    const samples = readings(grinder);
    const h = emptyHistogram(SCALES.power);
    addReadings(
      h,
      samples.map((s) => s.amps),
    );
    const proposal = proposeThresholds(h, undefined, SCALES.power);
    expect(proposal.confidence).toBe('good');
    expect(proposal.levels.map((l) => l.state)).toEqual(['OFF', 'IDLE', 'RUN']);
    expect(proposal.levels[1]?.peak).toBeGreaterThan(380);
    expect(proposal.levels[1]?.peak).toBeLessThan(520);
    const t = proposal.thresholds as Thresholds;
    // Watts as a person writes them: whole numbers, the idle limit between a few watts and 450, the run limit above the idle level.
    expect(Number.isInteger(t.idleAbove) && Number.isInteger(t.runAbove) && Number.isInteger(t.hysteresis)).toBe(true);
    expect(t.idleAbove).toBeGreaterThan(15);
    expect(t.idleAbove).toBeLessThan(350);
    expect(t.runAbove).toBeGreaterThan(650);
    expect(t.runAbove).toBeLessThan(3500);
    expect(t.hysteresis).toBeGreaterThanOrEqual(1);
    const config = parseKitConfig({
      kit: { id: 'k', site: 's' },
      sources: { modbus: [{ id: 'rs485', path: '/dev/null', devices: [{ id: 'meter-1', address: 1, map: 'sdm630' }] }] },
      machines: [{ id: 'grinder', name: 'G', source: { node: 'meter-1', channel: 'total', quantity: 'power' }, thresholds: t }],
    });
    expect(crossCheck(config)).toEqual([]);
    const settings = { ...t, minDwellMs: 0, silentAfterMs: 1 };
    const right = samples.filter((s) => classify(settings, { ts: 0, watts: s.amps }, 'OFF') === s.state).length;
    expect(right / samples.length).toBeGreaterThan(0.99);
  });

  it('counts power flowing back (negative watts, a braking spindle) as stopped, not as a bad reading', () => {
    const h = emptyHistogram(SCALES.power);
    addReadings(h, [-120, 0, 1, 450]);
    expect(h.edges[0]).toBe(SCALES.power.floor);
    expect(h.counts[0]).toBe(3);
    expect(h.total).toBe(4);
  });
});
