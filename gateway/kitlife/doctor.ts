/** `minotake doctor`: every check of the kit in plain words, with what to do; exit 0 / 4 (warnings) / 3 (problems). */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadKitConfig } from '../../config/load.js';
import { localUrlHost } from '../listen.js';
import { readSystemClock } from './checks/clock.js';
import { overall, runDoctor } from './checks/doctor.js';
import { probeModbusBus } from './checks/modbus.js';
import { probeSerialNode } from './checks/sensorNodes.js';
import type { CheckResult } from './checks/types.js';
import { readClockMark } from './clockWatch.js';
import { dataFolderOf, runningKitPid } from './dataFolder.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { CommandIo } from './io.js';
import { openKitStorage } from './kitStorage.js';
import { askKit } from './localSocket.js';
import { readRunInfo } from './runInfo.js';
import { type Lang, pickLang, usageError } from './text.js';

export const DOCTOR_HELP = `  minotake doctor --config <kit.yaml> [--listen 5] [--json]
                                        キットを診断し、問題と対処を表示 / check the kit, say what is wrong and what to do`;

const MARK = { ok: '✓', info: 'i', warn: '!', fail: '✗' } as const;

export function printChecks(results: CheckResult[], lang: Lang, io: CommandIo): void {
  for (const r of results) {
    io.out(`${MARK[r.status]} ${r.title[lang]}: ${r.detail[lang]}`);
    if (r.action && r.status !== 'ok') io.out(`    → ${r.action[lang]}`);
  }
}

/** A kit that runs but does not answer on its socket (an older kit, a path too long for a socket): its ports, at least. */
function runningAddresses(dataDir: string, httpHost: string): { brokerPort?: number; dashboardUrl?: string } {
  const run = runningKitPid(dataDir) !== undefined ? readRunInfo(dataDir) : undefined;
  const host = localUrlHost(httpHost);
  return run
    ? { brokerPort: run.brokerPort, dashboardUrl: `${run.https ? 'https' : 'http'}://${host}:${run.httpPort}${run.basePath}` }
    : {};
}

function finish(results: CheckResult[], json: boolean, lang: Lang, io: CommandIo): ExitCode {
  const status = overall(results);
  if (json) io.out(JSON.stringify({ status, checks: results }, null, 2));
  else printChecks(results, lang, io);
  return status === 'fail' ? EXIT.problems : status === 'warn' ? EXIT.warnings : EXIT.ok;
}

export async function doctorCommand(args: string[], io: CommandIo): Promise<ExitCode> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      listen: { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
      lang: { type: 'string' },
    },
  });
  if (!values.config) throw usageError('--config <kit.yaml> が必要です', '--config <kit.yaml> is required');
  const listenMs = Number(values.listen) * 1000;
  if (!(listenMs > 0 && listenMs <= 120_000)) throw usageError('--listen は 1〜120 秒です', '--listen is 1 to 120 seconds');
  const config = loadKitConfig(values.config);
  const lang = pickLang(values.lang, config.kit.locale);
  const dataDir = dataFolderOf(config);
  const running = runningKitPid(dataDir) !== undefined;
  if (!values.json)
    io.out(
      lang === 'ja'
        ? `診断中… ${config.kit.id}（キット${running ? '動作中' : '停止中'}）`
        : `checking ${config.kit.id} (kit ${running ? 'running' : 'stopped'})…`,
    );
  // A running kit runs the checks itself (the same as the dashboard's page): it knows what its nodes sent.
  const fromKit = running ? await askKit<{ status: 'ok' | 'warn' | 'fail'; checks: CheckResult[] }>(dataDir, '/doctor') : undefined;
  if (fromKit) return finish(fromKit.checks, values.json, lang, io);

  const log = pino({ level: 'silent' });
  let storage: Awaited<ReturnType<typeof openKitStorage>> | undefined;
  try {
    const results = await runDoctor({
      config,
      dataDir,
      now: Date.now(),
      // A port is read only while the kit is stopped: two readers would each get half the lines.
      evidence: (node) => (running || node.simulator ? Promise.resolve(undefined) : probeSerialNode(node, listenMs)),
      modbus: (bus) => (running || bus.simulator ? Promise.resolve(undefined) : probeModbusBus(bus)),
      async storage() {
        storage = await openKitStorage(config, dataDir, log);
        return {
          influx: storage.influx,
          where:
            storage.origin === 'external' ? storage.url : `influxd (${storage.origin === 'running' ? 'kit' : 'started for this check'})`,
        };
      },
      ...runningAddresses(dataDir, config.http.host),
      system: readSystemClock(),
      lastSeenAt: readClockMark(dataDir),
    });
    return finish(results, values.json, lang, io);
  } finally {
    await storage?.close();
  }
}
