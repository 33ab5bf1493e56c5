/** What a machine's readings look like in each unit it can be watched in: amps from a CT clamp or a meter, watts from a meter. */

export type Quantity = 'current' | 'power';

export interface ReadingScale {
  unit: 'A' | 'W';
  /** Below this a reading is noise; everything lower counts as this. */
  floor: number;
  /** The histogram's top: no machine the kit watches reads more. */
  top: number;
  /** The lowest level is "stopped" when it lies below this: a CT's hum, a meter's few watts of nothing. */
  noiseCeiling: number;
  /** The stop limit kept when no stop was seen and none is configured. */
  defaultIdleAbove: number;
  /** The finest step a threshold is written in. */
  step: number;
  /** A threshold as a person would write it. */
  round(value: number): number;
}

export const SCALES: Record<Quantity, ReadingScale> = {
  // Stopped ≈ 0.05 A, idle ≈ 1 A, cutting ≈ 10 A: decades apart.
  current: {
    unit: 'A',
    floor: 0.02,
    top: 500,
    noiseCeiling: 0.3,
    defaultIdleAbove: 0.5,
    step: 0.01,
    round: (a) => (a >= 2 ? Math.round(a * 10) / 10 : Math.round(a * 100) / 100),
  },
  // The same at 100 V: stopped a few W, idle a few hundred W, cutting kilowatts; a big three-phase press well below 1 MW.
  power: {
    unit: 'W',
    floor: 2,
    top: 1_000_000,
    noiseCeiling: 30,
    defaultIdleAbove: 50,
    step: 1,
    round: (w) => (w >= 1000 ? Math.round(w / 10) * 10 : Math.round(w)),
  },
};

/** The quantity a machine's thresholds are in: watts for a machine watched through a meter's power, amps otherwise. */
export const quantityOf = (source: { quantity?: Quantity }): Quantity => source.quantity ?? 'current';
