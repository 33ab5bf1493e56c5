/** `minotake calibrate <machine>`: live amps per channel, the distribution of the machine's current and proposed thresholds; --accept writes them. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadKitConfig } from '../../config/load.js';
import { ident, literal, source } from '../history/influxql.js';
import { channelHistogram } from './calibration/ampsSource.js';
import { binLow } from './calibration/histogram.js';
import { saveThresholds } from './calibration/kitThresholds.js';
import { proposeThresholds } from './calibration/propose.js';
import { dataFolderOf, runningKitPid } from './dataFolder.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { CommandIo } from './io.js';
import { openKitStorage } from './kitStorage.js';
import { CommandError, pickLang, text, usageError } from './text.js';

export const CALIBRATE_HELP = `  minotake calibrate <machine> --config <kit.yaml> [--span 24h] [--accept]
                                        電流の分布からしきい値を提案（--accept で設定に保存・即時反映）
                                        propose thresholds from the current's distribution (--accept saves and applies them)`;

const SPAN = /^(\d+)([hd])$/;

/** The latest RMS of every channel of a node, from what the kit stored. */
async function latestAmps(influx: import('influx').InfluxDB, database: string, kit: string, node: string) {
  const q = `SELECT last("amps") FROM ${source(database, 'raw', 'current')} WHERE ${ident('kit')} = ${literal(kit)} AND ${ident('node')} = ${literal(node)} AND time > now() - 10m GROUP BY ${ident('channel')}`;
  const response = (await influx.queryRaw(q, { database, precision: 'ms' })) as {
    results?: { series?: { tags?: { channel?: string }; values?: unknown[][] }[] }[];
  };
  return (response.results?.[0]?.series ?? []).map((s) => ({
    channel: s.tags?.channel ?? '?',
    at: Number(s.values?.[0]?.[0]),
    amps: Number(s.values?.[0]?.[1]),
  }));
}

export async function calibrateCommand(args: string[], io: CommandIo): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      span: { type: 'string', default: '24h' },
      accept: { type: 'boolean', default: false },
      lang: { type: 'string' },
    },
  });
  const [machineId] = positionals;
  if (!values.config || !machineId)
    throw usageError('使い方: minotake calibrate <機械ID> --config <kit.yaml>', 'usage: minotake calibrate <machine> --config <kit.yaml>');
  const span = SPAN.exec(values.span);
  if (!span) throw usageError('--span は 8h や 7d のように', '--span is like 8h or 7d');
  const file = resolve(values.config);
  const config = loadKitConfig(file);
  const lang = pickLang(values.lang, config.kit.locale);
  const ja = lang === 'ja';
  const machine = config.machines.find((m) => m.id === machineId);
  if (!machine || !('node' in machine.source)) {
    const known = config.machines
      .filter((m) => 'node' in m.source)
      .map((m) => m.id)
      .join(', ');
    throw usageError(
      `電流（CT）の機械「${machineId}」はありません（あるもの: ${known}）`,
      `no current (CT) machine "${machineId}" (there are: ${known})`,
    );
  }
  const { node, channel } = machine.source;
  const to = Date.now();
  const from = to - Number(span[1]) * (span[2] === 'd' ? 86_400_000 : 3_600_000);
  const dataDir = dataFolderOf(config);
  const storage = await openKitStorage(config, dataDir, pino({ level: 'silent' }));
  try {
    const database = config.storage.database;
    const live = await latestAmps(storage.influx, database, config.kit.id, node);
    io.out(ja ? `ノード ${node} の各チャンネルの最新の電流:` : `latest current of each channel of node ${node}:`);
    if (live.length === 0)
      io.out(ja ? '  （直近 10 分のデータなし — キットは動いていますか）' : '  (no data in the last 10 minutes: is the kit running?)');
    for (const l of live)
      io.out(
        `  ${l.channel.padEnd(6)} ${l.amps.toFixed(2).padStart(7)} A${l.channel === channel ? (ja ? '  ← この機械' : '  ← this machine') : ''}`,
      );

    const { histogram, resolution } = await channelHistogram(storage.influx, database, { kit: config.kit.id, node, channel }, from, to);
    const proposal = proposeThresholds(histogram, machine.thresholds);
    io.out('');
    io.out(
      ja
        ? `${machine.name}（${node}/${channel}）の電流の分布、直近 ${values.span}（${resolution === 'raw' ? '全読み取り' : '1 分平均'} ${histogram.total} 件）:`
        : `distribution of ${machine.nameEn ?? machine.name} (${node}/${channel}), last ${values.span} (${histogram.total} ${resolution === 'raw' ? 'readings' : 'minute means'}):`,
    );
    // Quarter-decade rows: enough to see the levels on a terminal.
    const rows: { from: number; count: number }[] = [];
    histogram.counts.forEach((c, i) => {
      const row = Math.floor(i / 10);
      rows[row] = { from: binLow(row * 10), count: (rows[row]?.count ?? 0) + c };
    });
    const max = Math.max(1, ...rows.map((r) => r.count));
    const first = rows.findIndex((r) => r.count > 0);
    const last = rows.findLastIndex((r) => r.count > 0);
    for (const r of rows.slice(Math.max(first, 0), last + 1))
      io.out(`  ${r.from.toFixed(2).padStart(7)} A ${'█'.repeat(Math.round((40 * r.count) / max)).padEnd(40)} ${r.count}`);
    io.out('');
    for (const l of proposal.levels)
      io.out(`  ${l.state.padEnd(4)} ${ja ? '中心' : 'peak'} ${l.peakAmps} A, ${(l.share * 100).toFixed(0)} %`);
    for (const n of proposal.notes) io.out(`  ! ${n[lang]}`);
    const t = proposal.thresholds;
    if (!t) return EXIT.problems;
    const now = machine.thresholds;
    io.out(
      ja
        ? `提案: idleAbove ${t.idleAbove} A, runAbove ${t.runAbove} A, hysteresis ${t.hysteresis} A`
        : `proposed: idleAbove ${t.idleAbove} A, runAbove ${t.runAbove} A, hysteresis ${t.hysteresis} A`,
    );
    if (now)
      io.out(
        ja
          ? `現在: idleAbove ${now.idleAbove} A, runAbove ${now.runAbove} A, hysteresis ${now.hysteresis} A`
          : `now:      idleAbove ${now.idleAbove} A, runAbove ${now.runAbove} A, hysteresis ${now.hysteresis} A`,
      );
    if (!values.accept) {
      io.out(ja ? '保存するには --accept を付けて実行してください' : 'run again with --accept to save them');
      return EXIT.ok;
    }
    try {
      saveThresholds(file, machine.id, t);
    } catch (error) {
      throw new CommandError(EXIT.failed, text(`保存できません: ${(error as Error).message}`, `not saved: ${(error as Error).message}`));
    }
    io.out(
      ja
        ? `${file} に保存しました${runningKitPid(dataDir) ? '。動作中のキットはすぐに新しいしきい値を使います' : ''}`
        : `saved to ${file}${runningKitPid(dataDir) ? '; the running kit uses the new thresholds at once' : ''}`,
    );
    return EXIT.ok;
  } finally {
    await storage.close();
  }
}
