#!/usr/bin/env node
/** Command line for simulated Modbus RTU devices on one RS-485 bus: `node dist/firmware-sim/modbusCli.js --pty /tmp/bus --device xy-md02@1`. */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type SimFaults, SimModbusBus } from './modbus/bus.js';
import { busHistory, type HistoryRead } from './modbus/history.js';
import { createSimDevice, livenUp, SIM_MODELS, type SimModel } from './modbus/plant.js';
import { printHistory } from './printHistory.js';
import { openPtyPair, type PtyPair } from './ptyPair.js';
import { calendarFromObject } from './scenario.js';
import type { WorkCalendar } from './signals.js';

export const HELP = `minotake firmware-sim modbus — 模擬 Modbus RTU 機器 / simulated Modbus RTU devices

使い方 / Usage:
  node dist/firmware-sim/modbusCli.js --device <機種@アドレス> … (--pty <dir> | --edge-link <path> | --port <path>) [options]
  node dist/firmware-sim/modbusCli.js --device <機種@アドレス> … --history <from>/<to> --read <addr:fn:start:count> … [--step <s>]

1 本の RS-485 バス上の機器として、読み取り要求（ファンクション 03・04）に答えます。値は稼働・待機・停止を繰り返します。
Answers read requests (functions 03 and 04) as devices on one RS-485 bus; their values cycle through run, idle and stop.

オプション / Options:
  --device <model@addr>   機器（繰り返し可）: ${SIM_MODELS.join(', ')}、アドレス 1–247 / a device (repeatable)
  --pty <dir>             socat で pty の組を <dir> に作り、キット側のパスを表示 / make a socat pty pair, print the kit's side
  --edge-link <path>      pty の組を作り、キット側をこのパスに置く（キットのデモが使用）/ the kit's side at <path> (the demo)
  --port <path>           実際のシリアルポート（2 本目の USB–RS-485 変換器など）/ a real serial port (a second adapter)
  --baud <n>              通信速度（既定 9600）/ speed (default 9600)
  --parity <p>            none | even | odd（既定 none）
  --calendar <json>       キットの操業カレンダー（firmware-sim cli の --calendar と同じ形）: 計器の機械が勤務時間だけ動く
                          the kit's work calendar (as the node simulator's --calendar): the meters' machines keep its shifts
  --history <from>/<to>   過去の期間に --read の要求へ答えた内容を「時刻(ms) アドレス fn 開始 語,語,…」の形で標準出力へ
                          （デモの履歴づくり）/ print the answers to the --read requests over a past period (a demo's history)
  --read <a:fn:start:n>   --history で読む要求（繰り返し可、fn 3 か 4）/ a request --history answers (repeatable, fn 3 or 4)
  --step <s>              --history の読み取り間隔（秒、既定 10）/ seconds between --history polls (default 10)
  --fault <addr:kind>     故障 / a fault: silent, crc=<0–1>, exception=<code>, slow=<ms>（例 / e.g. 3:silent, 2:crc=0.2）
  -h, --help              このヘルプ / this help
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ModbusCliOptions {
  devices: { model: SimModel; address: number }[];
  faults: Map<number, SimFaults>;
  ptyDir: string | null;
  edgeLink: string | null;
  port: string | null;
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  /** The kit's work calendar (the scenario files' form), so the meters' machines keep its shifts. */
  calendar: WorkCalendar | null;
  history: { from: number; to: number } | null;
  reads: HistoryRead[];
  stepS: number;
}

const OPTIONS = {
  device: { type: 'string', multiple: true },
  fault: { type: 'string', multiple: true },
  pty: { type: 'string' },
  'edge-link': { type: 'string' },
  port: { type: 'string' },
  baud: { type: 'string' },
  parity: { type: 'string' },
  calendar: { type: 'string' },
  history: { type: 'string' },
  read: { type: 'string', multiple: true },
  step: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function fault(text: string): [number, SimFaults] {
  const match = /^(\d+):(silent|crc=(0?\.\d+|1|0)|exception=(\d+)|slow=(\d+))$/.exec(text);
  if (!match)
    throw new UsageError(
      `--fault ${JSON.stringify(text)}: <アドレス>:silent|crc=<0–1>|exception=<code>|slow=<ms> の形で / must be <addr>:silent|crc=<0–1>|exception=<code>|slow=<ms>`,
    );
  const [, address, kind, crc, exception, slow] = match;
  if (kind === 'silent') return [Number(address), { silent: true }];
  if (crc !== undefined) return [Number(address), { badCrc: Number(crc) }];
  if (exception !== undefined) return [Number(address), { exception: Number(exception) }];
  return [Number(address), { slowMs: Number(slow) }];
}

function historyRange(text: string): { from: number; to: number } {
  const [from, to] = text.split('/').map((part) => (/^\d+$/.test(part) ? Number(part) : Date.parse(part)));
  if (from === undefined || to === undefined || Number.isNaN(from) || Number.isNaN(to) || !(to > from))
    throw new UsageError(
      `--history ${JSON.stringify(text)}: 「開始/終了」（ISO か ms、開始 < 終了）/ must be <from>/<to>, ISO or ms, from before to`,
    );
  return { from, to };
}

function historyRead(text: string): HistoryRead {
  const [address, fn, start, count] = text.split(':').map(Number);
  if (
    !(Number.isInteger(address) && (address as number) >= 1 && (address as number) <= 247) ||
    (fn !== 3 && fn !== 4) ||
    !(Number.isInteger(start) && (start as number) >= 0 && (start as number) <= 0xffff) ||
    !(Number.isInteger(count) && (count as number) >= 1 && (count as number) <= 125)
  )
    throw new UsageError(`--read ${JSON.stringify(text)}: <1–247>:<3|4>:<0–65535>:<1–125> の形で / must be <address>:<fn>:<start>:<count>`);
  return { address, fn, start, count } as HistoryRead;
}

/** Parses argv (without node and the script); null means help was asked for. */
export function parseModbusArgs(argv: string[]): ModbusCliOptions | null {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return null;
  const devices = (values.device ?? []).map((text) => {
    const [model, address] = text.split('@');
    const n = Number(address);
    if (!SIM_MODELS.includes(model as SimModel) || !Number.isInteger(n) || n < 1 || n > 247)
      throw new UsageError(`--device ${JSON.stringify(text)}: <${SIM_MODELS.join('|')}>@<1–247> の形で / must be <model>@<1–247>`);
    return { model: model as SimModel, address: n };
  });
  if (devices.length === 0) throw new UsageError('--device を 1 つ以上 / give at least one --device');
  const history = values.history === undefined ? null : historyRange(values.history);
  const reads = (values.read ?? []).map(historyRead);
  if (history !== null && reads.length === 0)
    throw new UsageError('--history には --read を 1 つ以上 / --history needs at least one --read');
  const stepS = Number(values.step ?? 10);
  if (!(stepS > 0)) throw new UsageError(`--step ${JSON.stringify(values.step)}: 正の秒数で / must be a positive number of seconds`);
  const targets = [values.pty, values['edge-link'], values.port].filter((x) => x !== undefined);
  if (history === null && targets.length !== 1)
    throw new UsageError('--pty・--edge-link・--port のどれか 1 つを / give exactly one of --pty, --edge-link and --port');
  const baudRate = Number(values.baud ?? 9600);
  if (!Number.isInteger(baudRate) || baudRate < 1200 || baudRate > 115200) throw new UsageError('--baud: 1200–115200');
  const parity = values.parity ?? 'none';
  if (parity !== 'none' && parity !== 'even' && parity !== 'odd') throw new UsageError('--parity: none | even | odd');
  let calendar: WorkCalendar | null = null;
  if (values.calendar !== undefined) {
    try {
      calendar = calendarFromObject(JSON.parse(values.calendar), '--calendar');
    } catch (error) {
      throw new UsageError(`--calendar: ${(error as Error).message}`);
    }
  }
  return {
    calendar,
    history,
    reads,
    stepS,
    devices,
    faults: new Map((values.fault ?? []).map(fault)),
    ptyDir: values.pty ?? null,
    edgeLink: values['edge-link'] ?? null,
    port: values.port ?? null,
    baudRate,
    parity,
  };
}

/** Runs the bus until SIGINT/SIGTERM; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let options: ModbusCliOptions | null;
  try {
    options = parseModbusArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${HELP}`);
    return 2;
  }
  if (options === null) {
    process.stdout.write(HELP);
    return 0;
  }
  if (options.history !== null) {
    const { from, to } = options.history;
    // A week of a meter's polls at a 10 s step is some 60,000 lines, printed as fast as the kit takes them.
    await printHistory(busHistory(options.devices, options.reads, from, to, options.stepS * 1000, options.calendar ?? undefined));
    return 0;
  }
  let pair: PtyPair | null = null;
  try {
    let port = options.port as string;
    if (options.port === null) {
      const edgeLink = options.edgeLink === null ? `${resolve(options.ptyDir as string)}/modbus-edge` : resolve(options.edgeLink);
      pair = await openPtyPair({ nodeLink: `${edgeLink}.bus`, edgeLink });
      port = pair.nodeLink;
      process.stdout.write(`${pair.edgeLink}\n`);
    }
    const bus = new SimModbusBus(port, { baudRate: options.baudRate, parity: options.parity });
    const devices = options.devices.map(({ model, address }) => {
      const device = createSimDevice(model, address);
      bus.add(address, device, options.faults.get(address) ?? {});
      return { device, address };
    });
    const liven = () => {
      for (const { device, address } of devices) livenUp(device, address, Date.now(), options.calendar ?? undefined);
    };
    liven();
    await bus.open();
    const timer = setInterval(liven, 1000);
    process.stderr.write(`${options.devices.map((d) => `${d.model}@${d.address}`).join(', ')} → ${port} at ${options.baudRate} bps\n`);
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    clearInterval(timer);
    await bus.close();
    process.stderr.write(`answered ${bus.stats.answered} requests, ${bus.stats.exceptions} with an exception\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await pair?.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
