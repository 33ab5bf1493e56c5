#!/usr/bin/env node
import { readFileSync } from 'node:fs';
/** Command line for the simulated sensor node: `node dist/firmware-sim/cli.js --scenario normal-day --port /dev/pts/3`. */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { historyLines } from './history.js';
import { localClockToMs, localDayIndex, parseClockTime } from './localTime.js';
import { SimNode } from './node.js';
import { printHistory } from './printHistory.js';
import { openPtyPair, type PtyPair } from './ptyPair.js';
import { calendarFromObject, ID_PATTERN, listScenarios, loadScenario, type Scenario } from './scenario.js';
import { startWifiNode } from './wifi/wifiNode.js';

export const HELP = `minotake firmware-sim — 模擬センサノード / simulated sensor node

使い方 / Usage:
  node dist/firmware-sim/cli.js --scenario <名前|file.yaml> --port <path> [options]
  node dist/firmware-sim/cli.js --scenario <名前|file.yaml> --pty <dir> [options]
  node dist/firmware-sim/cli.js --scenario <名前|file.yaml> --history <from>/<to> [--step <s>]
  MINOTAKE_NODE_PASSWORD=… node dist/firmware-sim/cli.js --scenario <名前> --mqtt <url> --kit <id> [options]

シリアル行プロトコル v1 の行（hello・電流・温湿度・ハートビート）を送ります。
Sends serial line protocol v1 lines (hello, current, climate, heartbeat) like a real node.

オプション / Options:
  --scenario <name|file>  シナリオ名（firmware-sim/scenarios/）または YAML ファイル（既定 normal-day）
                          bundled scenario name or a YAML file (default: normal-day)
  --port <path>           書き込むシリアルデバイス・pty・ファイル / serial device, pty or file to write to
  --pty <dir>             socat で pty の組を <dir> に作り、エッジ側のパスを標準出力に表示
                          create a socat pty pair in <dir> and print the edge-side path on stdout
  --edge-link <path>      pty の組を作り、エッジ側をこのパスに置く（キットのデモが使用）
                          create a pty pair whose edge side appears at <path> (the kit's demo uses this)
  --mqtt <url>            Wi-Fi のノードとしてキットのブローカへ MQTT で送る（mqtt://… か mqtts://…）。
                          パスワードは環境変数 MINOTAKE_NODE_PASSWORD で渡す
                          act as a node on the factory Wi-Fi: MQTT to the kit's broker (mqtt://… or mqtts://…);
                          the account's password comes from MINOTAKE_NODE_PASSWORD
  --kit <id>              キット ID（--mqtt と一緒に）/ the kit's id (with --mqtt)
  --username <name>       ノードのアカウント名（既定はノード ID）/ the node's account (default: the node id)
  --ca <file>             mqtts:// でキットの証明書（PEM）/ the kit's certificate (PEM) for mqtts://
  --rate <n>              1 秒あたりの I 行数（既定 1）/ I lines per second (default 1)
  --node <id>             ノード ID（シナリオの値を上書き）/ node id (overrides the scenario's)
  --speed <x>             模擬時間を x 倍速で進める（既定 1）/ run simulated time x times faster (default 1)
  --start-at <time>       模擬時間の開始: HH:MM（今日、シナリオのタイムゾーン）または ISO 日時
                          simulated start: HH:MM today (scenario time zone) or an ISO date-time
  --lines <n>             n 行送ったら終了 / stop after n lines
  --calendar <json>       シナリオの操業カレンダーを置き換え（キットのカレンダーに合わせる）
                          replace the scenario's work calendar (to follow the kit's):
                          {"start":"08:30","end":"17:30","lunch":{"from":"12:00","to":"13:00"},"weekdays":["mon"],"holidays":["2025-08-13"]}
  --history <from>/<to>   過去の期間の行を「時刻(ms) 行」の形で標準出力へ（デモの履歴づくり）。時刻は ISO または ms
                          print the lines of a past period as "<ms> <line>" on stdout (a demo's history); ISO or ms
  --step <s>              --history の行の間隔（秒、既定 10）/ seconds between --history lines (default 10)
  -h, --help              このヘルプ / this help

例 / Examples:
  node dist/firmware-sim/cli.js --scenario heat-wave --pty /tmp/minotake --start-at 13:00 --speed 60
  node dist/firmware-sim/cli.js --scenario breakdown --port /dev/ttyUSB0 --node node-b
`;

export interface CliOptions {
  scenario: string;
  port: string | null;
  ptyDir: string | null;
  edgeLink: string | null;
  rate: number;
  nodeId: string | null;
  speed: number;
  startAt: string | null;
  lines: number | null;
  calendar: string | null;
  history: { from: number; to: number } | null;
  stepS: number;
  /** The Wi-Fi mode: the kit's broker, its id, the node's account and the kit's certificate. */
  mqtt: { url: string; kit: string; username: string | null; ca: string | null } | null;
}

/** A mistake in the command line: print the message and the help, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
}

const OPTIONS = {
  scenario: { type: 'string' },
  port: { type: 'string' },
  pty: { type: 'string' },
  'edge-link': { type: 'string' },
  rate: { type: 'string' },
  node: { type: 'string' },
  speed: { type: 'string' },
  'start-at': { type: 'string' },
  lines: { type: 'string' },
  calendar: { type: 'string' },
  history: { type: 'string' },
  step: { type: 'string' },
  mqtt: { type: 'string' },
  kit: { type: 'string' },
  username: { type: 'string' },
  ca: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function positive(text: string | undefined, flag: string, integer = false): number | null {
  if (text === undefined) return null;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(
      `${flag} には正の${integer ? '整数' : '数'}を指定してください / ${flag} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** Parses argv (without node and the script); null means help was asked for. */
export function parseCliArgs(argv: string[]): CliOptions | null {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: false }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return null;
  const port = v.port ?? null;
  const ptyDir = v.pty ?? null;
  const edgeLink = v['edge-link'] ?? null;
  const history = v.history === undefined ? null : parseHistory(v.history);
  const mqttUrl = v.mqtt ?? null;
  if (history === null && [port, ptyDir, edgeLink, mqttUrl].filter((x) => x !== null).length !== 1)
    throw new UsageError(
      '--port・--pty・--edge-link・--mqtt のどれか 1 つを指定してください / give exactly one of --port, --pty, --edge-link and --mqtt',
    );
  if (mqttUrl !== null && !/^mqtts?:\/\//.test(mqttUrl))
    throw new UsageError(`--mqtt ${JSON.stringify(mqttUrl)}: mqtt:// か mqtts:// で / must start with mqtt:// or mqtts://`);
  if (mqttUrl !== null && (v.kit === undefined || !ID_PATTERN.test(v.kit)))
    throw new UsageError('--mqtt にはキット ID（--kit）が必要です / --mqtt needs the kit id (--kit)');
  if (v.node !== undefined && !ID_PATTERN.test(v.node))
    throw new UsageError(
      `--node ${JSON.stringify(v.node)}: a–z, 0–9, _ - で 32 文字まで / must be a protocol id (a–z, 0–9, _ or -, up to 32)`,
    );
  return {
    scenario: v.scenario ?? 'normal-day',
    port,
    ptyDir,
    edgeLink,
    rate: positive(v.rate, '--rate') ?? 1,
    nodeId: v.node ?? null,
    speed: positive(v.speed, '--speed') ?? 1,
    startAt: v['start-at'] ?? null,
    lines: positive(v.lines, '--lines', true),
    calendar: v.calendar ?? null,
    history,
    stepS: positive(v.step, '--step') ?? 10,
    mqtt: mqttUrl === null ? null : { url: mqttUrl, kit: v.kit as string, username: v.username ?? null, ca: v.ca ?? null },
  };
}

/** "<from>/<to>", each an ISO date-time or ms since the epoch. */
function parseHistory(text: string): { from: number; to: number } {
  const [from, to] = text.split('/').map((part) => (/^\d+$/.test(part) ? Number(part) : Date.parse(part)));
  if (from === undefined || to === undefined || Number.isNaN(from) || Number.isNaN(to) || !(to > from))
    throw new UsageError(
      `--history ${JSON.stringify(text)}: 「開始/終了」（ISO か ms、開始 < 終了）/ must be <from>/<to>, ISO or ms, from before to`,
    );
  return { from, to };
}

/** "13:00" → today at 13:00 in the scenario's time zone; otherwise an ISO date-time. */
export function resolveStartAt(text: string, scenario: Pick<Scenario, 'tzOffsetMinutes'>, now: number): number {
  const minutes = parseClockTime(text);
  if (minutes !== null) return localClockToMs(localDayIndex(now, scenario.tzOffsetMinutes), minutes, scenario.tzOffsetMinutes);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`--start-at ${JSON.stringify(text)}: HH:MM か ISO 日時で / must be HH:MM or an ISO date-time`);
  return ms;
}

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** The Wi-Fi mode: until SIGINT/SIGTERM, reporting the link and the ring on stderr every 10 s. */
async function runOnWifi(options: CliOptions, scenario: Scenario, io: CliIo): Promise<number> {
  const link = options.mqtt as NonNullable<CliOptions['mqtt']>;
  const password = process.env.MINOTAKE_NODE_PASSWORD;
  if (!password)
    throw new UsageError(
      "MINOTAKE_NODE_PASSWORD にノードのパスワードを入れてください / set MINOTAKE_NODE_PASSWORD to the node account's password",
    );
  const wifi = startWifiNode(
    scenario,
    {
      url: link.url,
      kit: link.kit,
      username: link.username ?? scenario.nodeId,
      password,
      ...(link.ca ? { connect: { ca: readFileSync(link.ca) } } : {}),
    },
    { linesPerSecond: options.rate, speed: options.speed, ...(options.lines === null ? {} : { maxLines: options.lines }) },
  );
  wifi.uplink.on('error', (error) => io.err(`MQTT: ${error.message}\n`));
  io.err(`${scenario.name}: node ${scenario.nodeId} → ${link.url} (kit ${link.kit}) at ${options.rate} line/s\n`);
  const report = setInterval(() => {
    const s = wifi.uplink.stats;
    io.err(
      `${wifi.uplink.connected ? 'connected' : 'offline'}: ${wifi.uplink.ring.length} waiting, ${s.acknowledged} stored, ${s.dropped} dropped\n`,
    );
  }, 10_000);
  const stop = () => void wifi.node.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await wifi.node.finished;
  clearInterval(report);
  await wifi.uplink.stop();
  return 0;
}

/** Runs the node until --lines is reached or SIGINT/SIGTERM; returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  let options: CliOptions | null;
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\n\n${HELP}`);
    return 2;
  }
  if (options === null) {
    const names = await listScenarios();
    io.out(`${HELP}\nシナリオ / scenarios: ${names.join(', ')}\n`);
    return 0;
  }

  let pair: PtyPair | null = null;
  try {
    let scenario = await loadScenario(options.scenario);
    if (options.nodeId !== null) scenario = { ...scenario, nodeId: options.nodeId };
    if (options.calendar !== null) {
      let data: unknown;
      try {
        data = JSON.parse(options.calendar);
      } catch {
        throw new UsageError(`--calendar: JSON ではありません / not JSON: ${options.calendar}`);
      }
      scenario = { ...scenario, calendar: calendarFromObject(data, '--calendar') };
    }
    if (options.history !== null) {
      // A week at a 10 s step is some 120,000 lines, printed as fast as the kit takes them.
      const lines = historyLines(scenario, options.history.from, options.history.to, options.stepS * 1000);
      await printHistory(
        (function* () {
          for (const { ms, line } of lines) yield `${ms} ${line}`;
        })(),
      );
      return 0;
    }
    const startAt = options.startAt === null ? undefined : resolveStartAt(options.startAt, scenario, Date.now());
    if (options.mqtt) return await runOnWifi(options, scenario, io);

    let port = options.port as string;
    if (options.ptyDir !== null || options.edgeLink !== null) {
      const dir = resolve(options.ptyDir ?? '.');
      pair = await openPtyPair(
        options.edgeLink === null
          ? { nodeLink: `${dir}/${scenario.nodeId}-node`, edgeLink: `${dir}/${scenario.nodeId}-edge` }
          : { nodeLink: `${resolve(options.edgeLink)}.node`, edgeLink: resolve(options.edgeLink) },
      );
      port = pair.nodeLink;
      // stdout carries only the path, so a script can do EDGE=$(… --pty dir | head -1).
      io.out(`${pair.edgeLink}\n`);
    }

    const node = new SimNode(port, scenario, {
      linesPerSecond: options.rate,
      speed: options.speed,
      ...(startAt === undefined ? {} : { startAt }),
      ...(options.lines === null ? {} : { maxLines: options.lines }),
    });
    node.on('error', (error) => io.err(`出力エラー / output error on ${port}: ${error.message}\n`));
    io.err(`${scenario.name}: node ${scenario.nodeId} → ${port} at ${options.rate} line/s, speed ×${options.speed}\n`);

    const stopOnSignal = () => void node.stop();
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
    node.start();
    await node.finished;
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);

    const sent = node.sentCount;
    io.err(`sent ${sent.lines} lines (${sent.readings} readings, ${sent.bytes} bytes)\n`);
    return node.lastError ? 1 : 0;
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  } finally {
    await pair?.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
