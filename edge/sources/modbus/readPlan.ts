/** Which requests read a device's registers: neighbours merged into blocks so a poll costs as few bus turns as it can. */
import type { ModbusRegisterConfig } from '../../../config/schema.js';

/** Modbus allows 125 registers per read; meters often answer fewer (Eastron documents 40 values, 80 registers). */
export const MAX_BLOCK_REGISTERS = 80;
/** Registers skipped between two wanted ones before a second request is cheaper than reading the gap. */
export const MAX_GAP_REGISTERS = 16;

export interface PlannedRegister extends ModbusRegisterConfig {
  /** Position of the register's first word within its block. */
  offset: number;
}

export interface ReadBlock {
  table: 'input' | 'holding';
  start: number;
  count: number;
  registers: PlannedRegister[];
}

export const wordsOf = (type: ModbusRegisterConfig['type']): number => (type === 'int16' || type === 'uint16' ? 1 : 2);

export function planReads(registers: ModbusRegisterConfig[]): ReadBlock[] {
  const blocks: ReadBlock[] = [];
  for (const table of ['input', 'holding'] as const) {
    const sorted = registers.filter((r) => r.table === table).sort((a, b) => a.address - b.address);
    let block: ReadBlock | undefined;
    for (const register of sorted) {
      const end = register.address + wordsOf(register.type);
      const fits =
        block !== undefined &&
        register.address - (block.start + block.count) <= MAX_GAP_REGISTERS &&
        end - block.start <= MAX_BLOCK_REGISTERS;
      if (!block || !fits) {
        block = { table, start: register.address, count: 0, registers: [] };
        blocks.push(block);
      }
      block.registers.push({ ...register, offset: register.address - block.start });
      block.count = Math.max(block.count, end - block.start);
    }
  }
  return blocks;
}
