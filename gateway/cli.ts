#!/usr/bin/env node
/** The `minotake` command: run a kit, check a config file, hash a broker password. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ConfigError, loadKitConfig, redactSecrets } from '../config/load.js';
import { hashPassword } from './broker/password.js';
import { startKit } from './kit.js';

const HELP = `minotake — 身の丈IoTキット / Minotake factory-monitoring kit

使い方 / Usage:
  minotake run --config <kit.yaml>      キットを起動（シミュレータ付きデモも可）/ start the kit (a demo with simulated nodes too)
  minotake check-config <kit.yaml>      設定ファイルを検査 / validate a kit file and list every problem
  minotake hash-password                標準入力のパスワードを scrypt ハッシュに / hash a broker password read from stdin

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

async function run(file: string, simulators: boolean): Promise<void> {
  const config = load(file);
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { kit: config.kit.id } });
  log.info({ config: redactSecrets(config) }, 'kit configuration loaded');
  // Relative paths in a kit file (dataDir, pty paths) are relative to the folder the kit is run from.
  const kit = await startKit({ config, log, runSimulators: simulators });
  process.stderr.write(
    `\nMinotake ${config.kit.site} (${config.kit.id})\n` +
      `  MQTT:   mqtt://<this-host>:${kit.brokerPort}\n` +
      `  HTTP:   http://<this-host>:${kit.httpPort}/api/health\n` +
      `  InfluxDB: ${kit.influxUrl} (database ${config.storage.database})\n` +
      '  停止は Ctrl+C / Ctrl+C to stop\n\n',
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    const timer = setTimeout(() => fail('stop took longer than 30 s; exiting anyway / 停止に 30 秒以上かかったため終了します', 1), 30_000);
    await kit.stop();
    clearTimeout(timer);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      'no-sim': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, arg] = positionals;
  if (values.help || !command) {
    process.stdout.write(HELP);
    return;
  }
  switch (command) {
    case 'run':
      if (!values.config) fail(`--config <kit.yaml> が必要です / --config <kit.yaml> is required\n\n${HELP}`);
      return run(resolve(values.config), !values['no-sim']);
    case 'check-config': {
      const file = arg ?? values.config ?? fail('設定ファイルを指定してください / name a kit file');
      const config = load(file);
      process.stdout.write(
        `OK: ${file} — ${config.kit.id}, ${config.machines.length} machines / 台, ${config.zones.length} zones / 区画, ` +
          `${config.sources.serial.length} serial nodes, ${config.sources.gpio.length} GPIO inputs\n`,
      );
      return;
    }
    case 'hash-password': {
      const password = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      if (password.length < 8) fail('パスワードは 8 文字以上 / the password must have at least 8 characters');
      process.stdout.write(`${hashPassword(password)}\n`);
      return;
    }
    default:
      fail(`不明なコマンド / unknown command: ${command}\n\n${HELP}`);
  }
}

main().catch((error: Error) => fail(`${error.message}`, 1));
