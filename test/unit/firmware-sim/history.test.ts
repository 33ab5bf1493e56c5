import { describe, expect, it } from 'vitest';
import { historyLines } from '../../../firmware-sim/history.js';
import { SimSdm630 } from '../../../firmware-sim/modbus/devices.js';
import { livenUp } from '../../../firmware-sim/modbus/plant.js';
import { calendarFromObject, loadScenario } from '../../../firmware-sim/scenario.js';
import { checkLine } from './lineCheck.js';

const jst = (text: string) => Date.parse(`${text.replace(' ', 'T')}:00+09:00`);
const ampsOf = (line: string) =>
  Object.fromEntries((checkLine(line)?.fields ?? []).map((f) => f.split('=')).map(([k, v]) => [k, Number(v)]));

describe('the demo week and its history', () => {
  it('prints a hello, then every step a current line, a count line per moved counter and a climate line, numbered and checksummed, with their simulated times', async () => {
    const scenario = await loadScenario('demo-week');
    const lines = [...historyLines(scenario, jst('2025-06-02 10:00'), jst('2025-06-02 10:01'), 10_000)];
    expect(lines.map((l) => checkLine(l.line)?.crcOk)).toEqual(lines.map(() => true));
    expect(lines.map((l) => checkLine(l.line)?.seq)).toEqual(lines.map((_, i) => i));
    const types = lines.map((l) => checkLine(l.line)?.type).join('');
    // Both counters' totals at the start (the edge's baseline), then only those that moved.
    expect(types).toMatch(/^HIPPC(IP{0,2}C){5}$/);
    // The press makes a part every 4–6 s: its total moves in most 10 s steps.
    expect(lines.filter((l) => l.line.includes(',P,cnt1,')).length).toBeGreaterThanOrEqual(4);
    expect(lines.at(-1)?.ms).toBe(jst('2025-06-02 10:00') + 50_000);
    // The hello lists current and climate channels only, as the live node's does (an edge refuses a kind it does not know).
    expect(lines[0]?.line).toMatch(/,ct1:I;ct2:I;ct3:I;ct4:I;env1:C\*/);
  });

  it('counts parts only while their machine runs, at the channel’s cycle time: the press on a working day, nothing at night', async () => {
    const scenario = await loadScenario('demo-week');
    const from = jst('2025-06-02 00:00');
    const lines = [...historyLines(scenario, from, from + 86_400_000, 10_000)];
    let pressRunMs = 0;
    let latheRunMs = 0;
    const totals: Record<string, number[]> = { cnt1: [], cnt2: [] };
    const night = new Set<string>();
    for (const { ms, line } of lines) {
      const checked = checkLine(line);
      if (checked?.type === 'I') {
        const amps = ampsOf(line);
        // At or over the scenario's running current less a margin: the press runs at 12 A, the lathe at 18 A.
        if ((amps.ct3 ?? 0) > 8) pressRunMs += 10_000;
        if ((amps.ct1 ?? 0) > 12) latheRunMs += 10_000;
      } else if (checked?.type === 'P') {
        const [channel, total] = [checked.fields[0] as string, Number(checked.fields[1]?.slice(2))];
        totals[channel]?.push(total);
        if (ms >= jst('2025-06-02 19:00')) night.add(`${channel}=${total}`);
      }
    }
    const made = (channel: string) => (totals[channel]?.at(-1) ?? 0) - (totals[channel]?.[0] ?? 0);
    // Totals never go down, and the parts agree with the running time at 4–6 s (press) and 45–75 s (lathe) a part.
    for (const list of Object.values(totals)) expect(list).toEqual([...list].sort((a, b) => a - b));
    expect(pressRunMs).toBeGreaterThan(3 * 3_600_000);
    expect(made('cnt1')).toBeGreaterThanOrEqual(Math.floor(pressRunMs / 6000) - 2);
    expect(made('cnt1')).toBeLessThanOrEqual(Math.ceil(pressRunMs / 4000) + 2);
    expect(latheRunMs).toBeGreaterThan(3 * 3_600_000);
    expect(made('cnt2')).toBeGreaterThanOrEqual(Math.floor(latheRunMs / 75_000) - 2);
    expect(made('cnt2')).toBeLessThanOrEqual(Math.ceil(latheRunMs / 45_000) + 2);
    // After hours the totals stand still, so no count line is printed.
    expect(night.size).toBe(0);
  });

  it('keeps to the calendar it is given: machines off at 05:00, at night and on a holiday, at work on a working morning', async () => {
    const scenario = await loadScenario('demo-week');
    const calendar = calendarFromObject(
      {
        start: '08:30',
        end: '17:30',
        lunch: { from: '12:00', to: '13:00' },
        weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'],
        holidays: ['2025-06-04'],
      },
      'test',
    );
    const at = (time: string) => {
      const [line] = [...historyLines({ ...scenario, calendar }, jst(time), jst(time) + 1, 10_000)].filter((l) => l.line.includes(',I,'));
      return ampsOf(line?.line ?? '');
    };
    const off = (amps: Record<string, number>) => Object.values(amps).every((a) => a < 0.5);
    expect(off(at('2025-06-02 05:00'))).toBe(true); // Monday before the shift
    expect(off(at('2025-06-02 22:00'))).toBe(true);
    expect(off(at('2025-06-04 10:00'))).toBe(true); // a Wednesday holiday
    expect(off(at('2025-06-07 10:00'))).toBe(true); // Saturday
    expect(off(at('2025-06-02 10:00'))).toBe(false);
  });

  it('breaks the machining centre down on Wednesday mornings and heats Thursday afternoons only', async () => {
    const scenario = await loadScenario('demo-week');
    const sample = (time: string) => [...historyLines(scenario, jst(time), jst(time) + 1, 10_000)];
    const ct2 = (time: string) => ampsOf(sample(time).find((l) => l.line.includes(',I,'))?.line ?? '').ct2 ?? Number.NaN;
    expect(ct2('2025-06-04 11:00')).toBeLessThan(0.5); // Wednesday: broken down
    expect(ct2('2025-06-11 11:00')).toBeLessThan(0.5); // and the next Wednesday
    const temperature = (time: string) => Number(/t=([\d.]+)/.exec(sample(time).find((l) => l.line.includes(',C,'))?.line ?? '')?.[1]);
    expect(temperature('2025-06-05 15:00')).toBeGreaterThan(33); // Thursday afternoon
    expect(temperature('2025-06-04 15:00')).toBeLessThan(30);
    expect(Math.abs(temperature('2025-06-05 23:59') - temperature('2025-06-06 00:00'))).toBeLessThan(0.5); // no jump at midnight
  });
});

describe('the demo’s Modbus meter', () => {
  it('keeps its machine to the kit’s calendar: stopped at 05:00 and on Saturday, idling at lunch, cycling at work', () => {
    const calendar = calendarFromObject(
      { start: '08:30', end: '17:30', lunch: { from: '12:00', to: '13:00' }, weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'] },
      'test',
    );
    const meter = new SimSdm630();
    const ampsAt = (time: string) => {
      livenUp(meter, 1, jst(time), calendar);
      return meter.amps[0];
    };
    expect(ampsAt('2025-06-02 05:00')).toBeLessThan(0.5);
    expect(ampsAt('2025-06-07 10:00')).toBeLessThan(0.5);
    expect(ampsAt('2025-06-02 12:30')).toBeCloseTo(18 * 0.2, 0);
    // At work it runs for most of each cycle: over ten minutes some reading is well above idle.
    const work = Array.from({ length: 20 }, (_, i) => ampsAt(`2025-06-02 10:${String(i * 3).padStart(2, '0')}`));
    expect(Math.max(...work)).toBeGreaterThan(15);
  });
});
