/** Stored history of a lathe for calibration tests: stopped near 0.05 A, idling near 1.5 A, cutting near 12 A, in turns. */
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
}

/** InfluxDB line protocol (ns) for raw.current on channel ct1. */
export function latheHistory(h: LatheHistory): string {
  const every = h.everyS ?? 1;
  const phase = h.phaseS ?? 600;
  const lines: string[] = [];
  for (let s = 0; s < h.hours * 3600; s += every) {
    const wobble = Math.sin(s * 1.7) * 0.5 + Math.sin(s * 0.37) * 0.5;
    const state = Math.floor(s / phase) % 3;
    const amps = state === 0 ? 0.05 + 0.03 * wobble : state === 1 ? 1.5 + 0.2 * wobble : 12 + 2 * wobble;
    lines.push(
      `current,kit=${h.kit},node=${h.node},channel=ct1,machine=${h.machine} amps=${amps.toFixed(3)} ${(h.end - h.hours * 3_600_000 + s * 1000) * 1e6}`,
    );
  }
  return lines.join('\n');
}
