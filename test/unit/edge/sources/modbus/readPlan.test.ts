import { describe, expect, it } from 'vitest';
import { MODBUS_MAPS } from '../../../../../config/modbusMaps.js';
import type { ModbusRegisterConfig } from '../../../../../config/schema.js';
import { MAX_BLOCK_REGISTERS, MAX_GAP_REGISTERS, planReads } from '../../../../../edge/sources/modbus/readPlan.js';

const at = (address: number, over: Partial<ModbusRegisterConfig> = {}): ModbusRegisterConfig => ({
  channel: 'c',
  quantity: 'current',
  address,
  table: 'input',
  type: 'uint16',
  scale: 1,
  wordOrder: 'high-first',
  ...over,
});

describe('Modbus read plan', () => {
  it('reads an XY-MD02 in one request and an SDM630 in two', () => {
    expect(planReads(MODBUS_MAPS['xy-md02']?.registers ?? []).map((b) => [b.start, b.count])).toEqual([[1, 2]]);
    // Volts to frequency (0x0000–0x0047) is one span with short gaps; total kWh (0x0156) is far away.
    expect(planReads(MODBUS_MAPS.sdm630?.registers ?? []).map((b) => [b.start, b.count])).toEqual([
      [0x0000, 0x0048],
      [0x0156, 2],
    ]);
  });

  it('keeps each register at its offset in the block, 32-bit values taking two words', () => {
    const [block] = planReads([at(10, { type: 'float32' }), at(14)]);
    expect(block?.count).toBe(5);
    expect(block?.registers.map((r) => r.offset)).toEqual([0, 4]);
  });

  it('starts a new request past a long gap, past the size limit, and for the other table', () => {
    expect(planReads([at(0), at(1 + MAX_GAP_REGISTERS + 1)])).toHaveLength(2);
    expect(planReads([at(0), at(1 + MAX_GAP_REGISTERS)])).toHaveLength(1);
    const every10 = Array.from({ length: MAX_BLOCK_REGISTERS / 10 }, (_, i) => at(10 * i));
    expect(planReads([...every10, at(MAX_BLOCK_REGISTERS - 1)])).toHaveLength(1);
    expect(planReads([...every10, at(MAX_BLOCK_REGISTERS)])).toHaveLength(2);
    expect(planReads([at(0), at(1, { table: 'holding' })]).map((b) => b.table)).toEqual(['input', 'holding']);
  });
});
