/** `minotake doctor`: every check of the kit in plain words, with what to do; exit 0 / 4 (warnings) / 3 (problems). */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadKitConfig } from '../../config/load.js';
import type { SerialNodeConfig } from '../../config/schema.js';
import { readSystemClock } from './checks/clock.js';
import { overall, runDoctor } from './checks/doctor.js';
import { type NodeEvidence, probeSerialNode } from './checks/sensorNodes.js';
import { getLocal } from './checks/services.js';
import type { CheckResult } from './checks/types.js';
import { readClockMark } from './clockWatch.js';
import { dataFolderOf, runningKitPid } from './dataFolder.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { CommandIo } from './io.js';
import { openKitStorage } from './kitStorage.js';
import { type RunInfo, readRunInfo } from './runInfo.js';
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

/** The running kit's counters for a node, from its public health report. */
async function liveEvidence(run: RunInfo, node: SerialNodeConfig): Promise<NodeEvidence | undefined> {
  const url = `${run.https ? 'https' : 'http'}://127.0.0.1:${run.httpPort}${run.basePath}api/health`;
  const { body } = await getLocal(url);
  const health = JSON.parse(body) as { uptimeS?: number; edge?: { nodes?: Record<string, Record<string, unknown>> } };
  const c = health.edge?.nodes?.[node.id];
  if (!c) return { goodLines: 0, rejected: {}, seconds: health.uptimeS ?? 0 };
  return {
    goodLines: Number(c.frames ?? 0),
    rejected: (c.rejected ?? {}) as NodeEvidence['rejected'],
    seconds: health.uptimeS ?? 0,
    ...(typeof c.lastFrameAt === 'number' ? { lastLineAt: c.lastFrameAt } : {}),
    ...(c.hello ? { hello: c.hello as NodeEvidence['hello'] } : {}),
    ...(typeof c.startError === 'string' ? { error: c.startError } : {}),
  };
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
  const run = runningKitPid(dataDir) !== undefined ? readRunInfo(dataDir) : undefined;
  if (!values.json)
    io.out(
      lang === 'ja'
        ? `診断中… ${config.kit.id}（キット${run ? '動作中' : '停止中'}）`
        : `checking ${config.kit.id} (kit ${run ? 'running' : 'stopped'})…`,
    );

  const log = pino({ level: 'silent' });
  let storage: Awaited<ReturnType<typeof openKitStorage>> | undefined;
  try {
    const results = await runDoctor({
      config,
      dataDir,
      now: Date.now(),
      // A port is read only while the kit is stopped: two readers would each get half the lines.
      evidence: (node) => (run ? liveEvidence(run, node) : node.simulator ? Promise.resolve(undefined) : probeSerialNode(node, listenMs)),
      async storage() {
        storage = await openKitStorage(config, dataDir, log);
        return {
          influx: storage.influx,
          where:
            storage.origin === 'external' ? storage.url : `influxd (${storage.origin === 'running' ? 'kit' : 'started for this check'})`,
        };
      },
      ...(run
        ? { brokerPort: run.brokerPort, dashboardUrl: `${run.https ? 'https' : 'http'}://127.0.0.1:${run.httpPort}${run.basePath}` }
        : {}),
      system: readSystemClock(),
      lastSeenAt: readClockMark(dataDir),
    });
    if (values.json) io.out(JSON.stringify({ status: overall(results), checks: results }, null, 2));
    else printChecks(results, lang, io);
    const status = overall(results);
    return status === 'fail' ? EXIT.problems : status === 'warn' ? EXIT.warnings : EXIT.ok;
  } finally {
    await storage?.close();
  }
}
