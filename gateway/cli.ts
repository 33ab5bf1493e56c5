#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 node
/** The `minotake` command: run a kit, check a config file, hash a broker password. */
// First: it sets V8's memory flags before anything else loads. Each command imports only what it uses (docs/memory.md).
import './v8MemoryFlags.js';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type pino from 'pino';
import { ConfigError, loadKitConfig, redactSecrets } from '../config/load.js';
import { configWarnings } from '../config/warnings.js';
import { createConsoleLog } from './consoleLog.js';
import type { Role } from './http/schemas.js';
import { watchThresholds } from './kitlife/calibration/kitThresholds.js';
import { MALLOC_SETTINGS, mallocTuned } from './memorySettings.js';

/** The kit's life commands are loaded only to run one (or to list them): a running kit does not carry them. */
const kitlifeCommands = () => import('./kitlife/commands.js');
const OWN_COMMANDS = new Set(['run', 'edge', 'check-config', 'admin', 'list-ports', 'hash-password']);
const help = async () => HELP + (await kitlifeCommands()).KITLIFE_HELP + HELP_TAIL;

const HELP = `minotake — 身の丈IoTキット / Minotake factory-monitoring kit

使い方 / Usage:
  minotake run --config <kit.yaml>      キットを起動（シミュレータ付きデモも可）/ start the kit (a demo with simulated nodes too)
  minotake edge --config <kit.yaml>     エッジだけを起動し edge.brokerUrl のブローカへ送る（Pi Zero など）
                                        run only the edge, publishing to edge.brokerUrl (a Pi Zero, say)
  minotake check-config <kit.yaml>      設定ファイルを検査 / validate a kit file and list every problem
  minotake admin add <name> [--role r]  利用者を追加（パスワードは標準入力）/ add a user, password from stdin
                                        r = admin | manager | operator | viewer (既定 / default admin)
  minotake list-ports                   接続中の USB シリアル（/dev/serial/by-id）/ USB-serial devices plugged in
  minotake hash-password                標準入力のパスワードを scrypt ハッシュに / hash a broker password read from stdin
`;
/** After the kit's life commands. */
const HELP_TAIL = `  minotake report --config <kit.yaml> --from <日付> [--to <日付>] [--out report.pdf] [--lang en]
                                        試用報告書（PDF）/ the trial report as a PDF (minotake report --help)

オプション / Options:
  --config, -c   キット設定ファイル / kit configuration file
  --no-sim       設定のシミュレータを起動しない / do not start the simulators the config declares
  --help, -h     このヘルプ / this help
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function load(file: string) {
  try {
    return loadKitConfig(file);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

/** Stops a running part on SIGINT/SIGTERM, within 30 s. */
function stopOn(stop: () => Promise<void>, log: pino.Logger): void {
  let stopping = false;
  const handle = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    const timer = setTimeout(() => fail('stop took longer than 30 s; exiting anyway / 停止に 30 秒以上かかったため終了します', 1), 30_000);
    await stop();
    clearTimeout(timer);
    process.exit(0);
  };
  process.on('SIGINT', () => void handle('SIGINT'));
  process.on('SIGTERM', () => void handle('SIGTERM'));
}

async function runEdge(file: string): Promise<void> {
  const config = load(file);
  if (!config.edge)
    fail(`${file}: edge.brokerUrl, edge.username, edge.password が必要です / the edge section is required to run the edge alone`);
  const log = createConsoleLog({ base: { kit: config.kit.id, part: 'edge' } });
  const { brokerUrl: url, username, password } = config.edge;
  const { createEdge } = await import('../edge/edge.js');
  const edge = createEdge({ config, broker: { url, username, password }, log });
  await edge.start();
  // Thresholds accepted by a calibration on the gateway reach this edge through the kit file it shares.
  const stopWatching = watchThresholds(file, config, (id, t) => edge.setThresholds(id, t), log);
  stopOn(async () => {
    stopWatching();
    await edge.stop();
  }, log);
}

function listPorts(): void {
  // Not SerialPort.list(): it throws an uncaught error where udevadm is missing; the by-id links are what a kit file needs anyway.
  const dir = '/dev/serial/by-id';
  const names = existsSync(dir) ? readdirSync(dir) : [];
  if (names.length === 0)
    process.stdout.write('USB シリアル機器が見つかりません / no USB-serial device found (/dev/serial/by-id is empty)\n');
  for (const name of names) process.stdout.write(`${join(dir, name)} -> ${realpathSync(join(dir, name))}\n`);
}

async function run(file: string, simulators: boolean): Promise<void> {
  const config = load(file);
  const log = createConsoleLog({ base: { kit: config.kit.id } });
  for (const w of configWarnings(config)) log.warn({ path: w.path, ja: w.ja }, w.en);
  // Two kilobytes nobody reads at every start: only when asked for (LOG_LEVEL=debug).
  log.debug({ config: redactSecrets(config) }, 'kit configuration loaded');
  if (!mallocTuned()) {
    log.warn({ settings: MALLOC_SETTINGS }, 'started without the memory settings: each login may keep 16 MB (docs/memory.md)');
  }
  const { startKit } = await import('./kit.js');
  // Relative paths in a kit file (dataDir, pty paths) are relative to the folder the kit is run from.
  // Under systemd stderr is the journal, which others may read: the setup code is shown only to a person at a terminal.
  const kit = await startKit({
    config,
    log,
    runSimulators: simulators,
    setupCodeOnConsole: process.stderr.isTTY === true,
    configFile: file,
  });
  process.stderr.write(
    `\nMinotake ${config.kit.site} (${config.kit.id})\n` +
      `  MQTT:   mqtt://<this-host>:${kit.brokerPort}\n` +
      (kit.brokerTlsPort === undefined ? '' : `  MQTT (TLS): mqtts://<this-host>:${kit.brokerTlsPort}\n`) +
      `  ダッシュボード / Dashboard: ${config.http.tls ? 'https' : 'http'}://<this-host>:${kit.httpPort}${config.http.basePath}\n` +
      `  InfluxDB: ${kit.influxUrl} (database ${config.storage.database}` +
      (config.storage.influx ? ')\n' : `; アカウント / account: ${resolve(config.dataDir, 'influxdb', 'credentials.json')})\n`) +
      '  停止は Ctrl+C / Ctrl+C to stop\n\n' +
      (kit.setupCode
        ? `  利用者がまだいません。ダッシュボードでこの初期設定コードを入力して管理者を作成してください（1 回限り・1 時間有効）:\n` +
          `  No user yet: enter this one-time setup code on the dashboard to create the admin (valid once, for 1 hour):\n\n` +
          `      ${kit.setupCode}\n\n`
        : '') +
      (kit.setupCodeFile
        ? `  利用者がまだいません。初期設定コードはファイル ${kit.setupCodeFile} にあります（キットのユーザーだけが読めます）。\n` +
          `  No user yet: the one-time setup code is in ${kit.setupCodeFile} (readable by the kit's user only).\n\n`
        : ''),
  );
  stopOn(() => kit.stop(), log);
}

async function main(): Promise<void> {
  const [first, ...rest] = process.argv.slice(2);
  // Commands with options of their own read their arguments themselves.
  if (first === 'report') {
    process.exitCode = await (await import('./report/reportCommand.js')).reportCommand(rest);
    return;
  }
  if (first && !OWN_COMMANDS.has(first) && !first.startsWith('-')) {
    const { KITLIFE_COMMANDS, runKitlifeCommand } = await kitlifeCommands();
    if (first in KITLIFE_COMMANDS) {
      process.exitCode = await runKitlifeCommand(first, rest);
      return;
    }
  }
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      'no-sim': { type: 'boolean', default: false },
      role: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, arg] = positionals;
  if (values.help || !command) {
    process.stdout.write(await help());
    return;
  }
  switch (command) {
    case 'run':
      if (!values.config) fail(`--config <kit.yaml> が必要です / --config <kit.yaml> is required\n\n${await help()}`);
      return run(resolve(values.config), !values['no-sim']);
    case 'edge':
      if (!values.config) fail(`--config <kit.yaml> が必要です / --config <kit.yaml> is required\n\n${await help()}`);
      return runEdge(resolve(values.config));
    case 'admin': {
      if (arg !== 'add' || !positionals[2] || !values.config) {
        fail(`使い方 / usage: minotake admin add <name> --config <kit.yaml> [--role admin]\n\n${await help()}`);
      }
      const config = load(resolve(values.config));
      const [{ AuthStore }, { ROLE_ORDER }] = await Promise.all([import('./auth/store.js'), import('./http/schemas.js')]);
      const role = (values.role ?? 'admin') as Role;
      if (!ROLE_ORDER.includes(role)) fail(`--role: ${ROLE_ORDER.join(' | ')}`);
      const password = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      const store = new AuthStore(join(resolve(config.dataDir), 'auth'));
      try {
        store.addUser(positionals[2], password, role);
      } catch (error) {
        fail((error as Error).message);
      }
      process.stdout.write(`OK: ${positionals[2]} (${role})\n`);
      return;
    }
    case 'list-ports':
      return listPorts();
    case 'check-config': {
      const file = arg ?? values.config ?? fail('設定ファイルを指定してください / name a kit file');
      const config = load(file);
      process.stdout.write(
        `OK: ${file} — ${config.kit.id}, ${config.machines.length} machines / 台, ${config.zones.length} zones / 計測区域, ` +
          `${config.sources.serial.length} serial nodes, ${config.sources.network.length} network nodes, ` +
          `${config.sources.gpio.length} GPIO inputs, ${config.sources.towers.length} signal towers, ` +
          `${config.sources.modbus.reduce((n, bus) => n + bus.devices.length, 0)} Modbus devices / Modbus 機器\n`,
      );
      for (const w of configWarnings(config)) process.stdout.write(`  注意 / warning: ${w.path}: ${w.en} / ${w.ja}\n`);
      return;
    }
    case 'hash-password': {
      const password = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      if (password.length < 8) fail('パスワードは 8 文字以上 / the password must have at least 8 characters');
      const { hashPassword } = await import('./broker/password.js');
      process.stdout.write(`${hashPassword(password)}\n`);
      return;
    }
    default:
      fail(`不明なコマンド / unknown command: ${command}\n\n${await help()}`);
  }
}

main().catch((error: Error) => fail(`${error.message}`, 1));
