/** The demo's simulated sensor nodes: firmware-sim processes on pseudo-terminals, on the real local clock and the kit's calendar. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { CalendarConfig, KitConfig, ModbusBusConfig, SerialNodeConfig } from '../../config/schema.js';

const here = dirname(fileURLToPath(import.meta.url));
/**
 * firmware-sim is "firmware": the kit runs it as its own process, never imports it. Built, it sits beside dist/gateway;
 * from the sources (tests), the build's copy is the one that runs.
 */
export const firmwareSimScript = (name: string) =>
  [join(here, '..', '..', 'firmware-sim', name), join(here, '..', '..', 'dist', 'firmware-sim', name)].find((file) => existsSync(file)) ??
  join(here, '..', '..', 'firmware-sim', name);
export const SIM_CLI = firmwareSimScript('cli.js');
export const MODBUS_SIM_CLI = firmwareSimScript('modbusCli.js');

/**
 * The kit's calendar in the simulator's form, so the simulated machines work when the kit plans work: a demo at 05:00
 * shows machines off and no 時間外稼働, one at 10:00 machines at work. The simulator knows one day shift with at most one
 * break; for anything else (a night shift, two shifts) it keeps its scenario's calendar and the kit says so.
 */
export function simulatorCalendar(calendar: CalendarConfig): string | undefined {
  const [shift, ...others] = calendar.shifts;
  if (!shift || others.length > 0 || shift.breaks.length > 1 || shift.end <= shift.start) return undefined;
  const lunch = shift.breaks[0];
  return JSON.stringify({
    start: shift.start,
    end: shift.end,
    ...(lunch ? { lunch: { from: lunch.start, to: lunch.end } } : {}),
    weekdays: shift.days,
    holidays: calendar.holidays,
  });
}

/** The arguments every run of a node's simulator shares: scenario, node id and the calendar. */
export function simulatorArgs(config: KitConfig, node: SerialNodeConfig, log: Logger): string[] {
  const simulator = node.simulator;
  if (!simulator) return [];
  const args = [SIM_CLI, '--scenario', simulator.scenario, '--node', node.id];
  const calendar = simulatorCalendar(config.calendar);
  if (calendar) args.push('--calendar', calendar);
  else log.warn({ node: node.id }, "the kit's calendar has more than one day shift: the simulator keeps its scenario's calendar");
  return args;
}

/** The arguments every run of a Modbus bus's simulator shares: its devices and the calendar their machines keep. */
export function busSimulatorArgs(config: KitConfig, bus: ModbusBusConfig): string[] {
  const args = [MODBUS_SIM_CLI, ...bus.devices.flatMap((d) => ['--device', `${d.map}@${d.address}`])];
  const calendar = simulatorCalendar(config.calendar);
  return calendar ? [...args, '--calendar', calendar] : args;
}

/** Starts a simulator for every serial node and Modbus bus that declares one; `onExit` hears of any that ends by itself. */
export function startSimulators(options: {
  config: KitConfig;
  baseDir: string;
  log: Logger;
  onExit: (what: Record<string, unknown>, code: number | null, signal: NodeJS.Signals | null) => void;
}): ChildProcess[] {
  const { config, baseDir, log } = options;
  const children: ChildProcess[] = [];
  const start = (args: string[], what: Record<string, unknown>) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code, signal) => options.onExit(what, code, signal));
    children.push(child);
    log.info(what, 'simulator started');
  };
  const link = (path: string) => {
    const edgeLink = resolve(baseDir, path);
    mkdirSync(dirname(edgeLink), { recursive: true });
    return edgeLink;
  };
  for (const node of config.sources.serial) {
    if (!node.simulator) continue;
    const edgeLink = link(node.path);
    const args = [...simulatorArgs(config, node, log), '--edge-link', edgeLink, '--rate', String(node.simulator.linesPerSecond)];
    if (node.simulator.startAt) args.push('--start-at', node.simulator.startAt);
    start(args, { node: node.id, scenario: node.simulator.scenario, path: edgeLink });
  }
  for (const bus of config.sources.modbus) {
    if (!bus.simulator) continue;
    const edgeLink = link(bus.path);
    start([...busSimulatorArgs(config, bus), '--edge-link', edgeLink, '--baud', String(bus.baudRate), '--parity', bus.parity], {
      bus: bus.id,
      path: edgeLink,
    });
  }
  return children;
}
