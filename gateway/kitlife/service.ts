/** `minotake service install|uninstall`: the kit as a systemd service that starts at power-on and restarts when it fails. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadKitConfig } from '../../config/load.js';
import { MALLOC_SETTINGS } from '../memorySettings.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { CommandIo } from './io.js';
import { CommandError, pickLang, text, usageError } from './text.js';
import { JOURNAL_NAMESPACE } from './wipe.js';

export const SERVICE_HELP = `  minotake service install --config <kit.yaml> [--user minotake] [--print]
  minotake service uninstall            systemd サービスとして登録・解除（要 sudo）/ install or remove the systemd service (sudo)`;

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli.js');

export interface UnitSettings {
  kitId: string;
  node: string;
  cli: string;
  configFile: string;
  workingDirectory: string;
  user: string;
  /** Groups for serial ports and GPIO, those that exist on this system. */
  groups: string[];
}

export function unitFile(s: UnitSettings): string {
  return `# Minotake kit ${s.kitId}: written by \`minotake service install\`; remove with \`minotake service uninstall\`.
[Unit]
Description=Minotake factory-monitoring kit (${s.kitId})
After=network-online.target time-sync.target
Wants=network-online.target

[Service]
# READY once the kit serves; WATCHDOG=1 only while serial data flows and storage takes points (systemd-notify, a child: NotifyAccess=all).
Type=notify
NotifyAccess=all
WatchdogSec=90
ExecStart=${s.node} ${s.cli} run --config ${s.configFile}
WorkingDirectory=${s.workingDirectory}
User=${s.user}
${s.groups.length > 0 ? `SupplementaryGroups=${s.groups.join(' ')}\n` : ''}Environment=LOG_FORMAT=json
# Large blocks (scrypt's 16 MB at each login) go back to the system when freed, not kept per thread (docs/memory.md).
Environment=${MALLOC_SETTINGS}
# Restarted after a crash or a missed watchdog, not after a clean stop.
Restart=on-failure
RestartSec=5
# InfluxDB starts first and may replay its WAL after a power cut.
TimeoutStartSec=180
# SIGTERM to the kit alone: it flushes what is in memory to InfluxDB or the spool, then stops its influxd.
KillMode=mixed
KillSignal=SIGTERM
TimeoutStopSec=40
# Lets an admin set the clock from the dashboard (a Pi has no battery clock): date -s needs this and nothing more.
AmbientCapabilities=CAP_SYS_TIME
NoNewPrivileges=true
ProtectSystem=full
PrivateTmp=true
# The kit's own journal: \`journalctl --namespace=${JOURNAL_NAMESPACE} -f\`; \`minotake wipe\` clears it with the rest of a loan.
LogNamespace=${JOURNAL_NAMESPACE}
StandardOutput=journal
StandardError=journal
SyslogIdentifier=minotake

[Install]
WantedBy=multi-user.target
`;
}

function systemctl(args: string[]): void {
  try {
    execFileSync('systemctl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stderr?: Buffer };
    throw new CommandError(
      EXIT.failed,
      text(
        `systemctl ${args.join(' ')} に失敗: ${err.stderr?.toString().trim() || err.message}`,
        `systemctl ${args.join(' ')} failed: ${err.stderr?.toString().trim() || err.message}`,
      ),
    );
  }
}

const existingGroups = (wanted: string[]) => {
  const groups = existsSync('/etc/group')
    ? readFileSync('/etc/group', 'utf8')
        .split('\n')
        .map((l) => l.split(':')[0])
    : [];
  return wanted.filter((g) => groups.includes(g));
};

export async function serviceCommand(args: string[], io: CommandIo): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      user: { type: 'string', default: 'minotake' },
      'unit-dir': { type: 'string', default: '/etc/systemd/system' },
      print: { type: 'boolean', default: false },
      'no-start': { type: 'boolean', default: false },
      lang: { type: 'string' },
    },
  });
  const action = positionals[0];
  const unitPath = join(values['unit-dir'], 'minotake.service');
  const lang = pickLang(values.lang);
  if (action === 'uninstall') {
    if (existsSync(unitPath)) {
      try {
        systemctl(['disable', '--now', 'minotake.service']);
      } catch {} // not running or never enabled: the file goes all the same
      rmSync(unitPath);
      systemctl(['daemon-reload']);
    }
    io.out(lang === 'ja' ? 'サービスを解除しました' : 'service removed');
    return EXIT.ok;
  }
  if (action !== 'install') throw usageError('使い方: minotake service install|uninstall', 'usage: minotake service install|uninstall');
  if (!values.config) throw usageError('--config <kit.yaml> が必要です', '--config <kit.yaml> is required');
  const configFile = resolve(values.config);
  const config = loadKitConfig(configFile);
  const unit = unitFile({
    kitId: config.kit.id,
    node: process.execPath,
    cli: CLI,
    configFile,
    workingDirectory: process.cwd(),
    user: values.user,
    groups: existingGroups(['dialout', 'gpio']),
  });
  if (values.print) {
    io.out(unit);
    return EXIT.ok;
  }
  try {
    writeFileSync(unitPath, unit, { mode: 0o644 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new CommandError(EXIT.refused, text('sudo を付けて実行してください', 'run it with sudo'));
    }
    throw error;
  }
  systemctl(['daemon-reload']);
  if (!values['no-start']) systemctl(['enable', '--now', 'minotake.service']);
  const ja = lang === 'ja';
  io.out(ja ? `${unitPath} を書きました` : `${unitPath} written`);
  io.out(ja ? `ログ: journalctl --namespace=${JOURNAL_NAMESPACE} -f` : `logs: journalctl --namespace=${JOURNAL_NAMESPACE} -f`);
  return EXIT.ok;
}
