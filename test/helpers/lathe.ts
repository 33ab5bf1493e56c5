/**
 * Stored history of a lathe for calibration tests: stopped near 0.05 A, idling near 1.5 A, cutting near 12 A, in turns;
 * or, watched through a meter's power, stopped near 3 W, idling near 400 W and cutting near 3.5 kW.
 */
export interface LatheHistory {
  kit: string;
  node: string;
  machine: string;
  /** The last reading is just before this, ms. */
  end: number;
  hours: number;
  /** Seconds between readings (the node sends one a second). */
  everyS?: number;
  /** Seconds each state lasts before the next. */
  phaseS?: number;
  /** power: raw.power watts of a meter channel instead of raw.current amps of ct1. */
  quantity?: 'current' | 'power';
  channel?: string;
}

const LEVELS = {
  current: { measurement: 'current', field: 'amps', levels: [0.05, 1.5, 12], swing: [0.03, 0.2, 2] },
  power: { measurement: 'power', field: 'watts', levels: [3, 400, 3500], swing: [2, 60, 600] },
};

/** InfluxDB line protocol (ns) for raw.current on channel ct1, or raw.power on the given channel. */
export function latheHistory(h: LatheHistory): string {
  const every = h.everyS ?? 1;
  const phase = h.phaseS ?? 600;
  const { measurement, field, levels, swing } = LEVELS[h.quantity ?? 'current'];
  const lines: string[] = [];
  for (let s = 0; s < h.hours * 3600; s += every) {
    const wobble = Math.sin(s * 1.7) * 0.5 + Math.sin(s * 0.37) * 0.5;
    const state = Math.floor(s / phase) % 3;
    const value = (levels[state] as number) + (swing[state] as number) * wobble;
    lines.push(
      `${measurement},kit=${h.kit},node=${h.node},channel=${h.channel ?? 'ct1'},machine=${h.machine} ${field}=${value.toFixed(3)} ${(h.end - h.hours * 3_600_000 + s * 1000) * 1e6}`,
    );
  }
  return lines.join('\n');
}
