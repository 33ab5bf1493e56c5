/** `minotake calibrate <machine>`: live readings per channel, the distribution of the machine's current (or power) and proposed thresholds; --accept writes them. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadKitConfig } from '../../config/load.js';
import { ident, literal, source } from '../history/influxql.js';
import { binLow } from './calibration/histogram.js';
import { saveThresholds } from './calibration/kitThresholds.js';
import { proposeThresholds } from './calibration/propose.js';
import { channelHistogram, STORED } from './calibration/readingsSource.js';
import { type Quantity, quantityOf, SCALES } from './calibration/scale.js';
import { dataFolderOf, runningKitPid } from './dataFolder.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { CommandIo } from './io.js';
import { openKitStorage } from './kitStorage.js';
import { CommandError, pickLang, text, usageError } from './text.js';

export const CALIBRATE_HELP = `  minotake calibrate <machine> --config <kit.yaml> [--span 24h] [--accept]
                                        電流（電力で見る設備は電力）の分布からしきい値を提案（--accept で設定に保存・即時反映）
                                        propose thresholds from the distribution of the current, or of the power for a
                                        machine watched by power (--accept saves and applies them)`;

const SPAN = /^(\d+)([hd])$/;

/** The latest amps (or watts) of every channel of a node, from what the kit stored. */
async function latestReadings(influx: import('influx').InfluxDB, database: string, kit: string, node: string, quantity: Quantity) {
  const { measurement, field } = STORED[quantity];
  const q = `SELECT last(${ident(field)}) FROM ${source(database, 'raw', measurement)} WHERE ${ident('kit')} = ${literal(kit)} AND ${ident('node')} = ${literal(node)} AND time > now() - 10m GROUP BY ${ident('channel')}`;
  const response = (await influx.queryRaw(q, { database, precision: 'ms' })) as {
    results?: { series?: { tags?: { channel?: string }; values?: unknown[][] }[] }[];
  };
  return (response.results?.[0]?.series ?? []).map((s) => ({
    channel: s.tags?.channel ?? '?',
    at: Number(s.values?.[0]?.[0]),
    value: Number(s.values?.[0]?.[1]),
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
    throw usageError('使い方: minotake calibrate <設備ID> --config <kit.yaml>', 'usage: minotake calibrate <machine> --config <kit.yaml>');
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
      `電流（CT）か電力量計で見る設備「${machineId}」はありません（あるもの: ${known}）`,
      `no machine "${machineId}" watched by a CT or a meter (there are: ${known})`,
    );
  }
  const { node, channel } = machine.source;
  const quantity = quantityOf(machine.source);
  const scale = SCALES[quantity];
  const { unit } = scale;
  const show = (v: number) => v.toFixed(unit === 'W' ? 0 : 2);
  const what = quantity === 'power' ? { ja: '電力', en: 'power' } : { ja: '電流', en: 'current' };
  const to = Date.now();
  const from = to - Number(span[1]) * (span[2] === 'd' ? 86_400_000 : 3_600_000);
  const dataDir = dataFolderOf(config);
  const storage = await openKitStorage(config, dataDir, pino({ level: 'silent' }));
  try {
    const database = config.storage.database;
    const live = await latestReadings(storage.influx, database, config.kit.id, node, quantity);
    io.out(ja ? `ノード ${node} の各チャンネルの最新の${what.ja}:` : `latest ${what.en} of each channel of node ${node}:`);
    if (live.length === 0)
      io.out(ja ? '  （直近 10 分のデータなし — キットは動いていますか）' : '  (no data in the last 10 minutes: is the kit running?)');
    for (const l of live)
      io.out(
        `  ${l.channel.padEnd(6)} ${show(l.value).padStart(7)} ${unit}${l.channel === channel ? (ja ? '  ← この設備' : '  ← this machine') : ''}`,
      );

    const where = { kit: config.kit.id, node, channel };
    const { histogram, resolution } = await channelHistogram(storage.influx, database, where, from, to, quantity);
    const proposal = proposeThresholds(histogram, machine.thresholds, scale);
    io.out('');
    io.out(
      ja
        ? `${machine.name}（${node}/${channel}）の${what.ja}の分布、直近 ${values.span}（${resolution === 'raw' ? '全読み取り' : '1 分平均'} ${histogram.total} 件）:`
        : `distribution of the ${what.en} of ${machine.nameEn ?? machine.name} (${node}/${channel}), last ${values.span} (${histogram.total} ${resolution === 'raw' ? 'readings' : 'minute means'}):`,
    );
    // Quarter-decade rows: enough to see the levels on a terminal.
    const rows: { from: number; count: number }[] = [];
    histogram.counts.forEach((c, i) => {
      const row = Math.floor(i / 10);
      rows[row] = { from: binLow(scale.floor, row * 10), count: (rows[row]?.count ?? 0) + c };
    });
    const max = Math.max(1, ...rows.map((r) => r.count));
    const first = rows.findIndex((r) => r.count > 0);
    const last = rows.findLastIndex((r) => r.count > 0);
    for (const r of rows.slice(Math.max(first, 0), last + 1))
      io.out(`  ${show(r.from).padStart(7)} ${unit} ${'█'.repeat(Math.round((40 * r.count) / max)).padEnd(40)} ${r.count}`);
    io.out('');
    for (const l of proposal.levels)
      io.out(`  ${l.state.padEnd(4)} ${ja ? '中心' : 'peak'} ${l.peak} ${unit}, ${(l.share * 100).toFixed(0)} %`);
    for (const n of proposal.notes) io.out(`  ! ${n[lang]}`);
    const t = proposal.thresholds;
    if (!t) return EXIT.problems;
    const now = machine.thresholds;
    io.out(
      ja
        ? `提案: idleAbove ${t.idleAbove} ${unit}, runAbove ${t.runAbove} ${unit}, hysteresis ${t.hysteresis} ${unit}`
        : `proposed: idleAbove ${t.idleAbove} ${unit}, runAbove ${t.runAbove} ${unit}, hysteresis ${t.hysteresis} ${unit}`,
    );
    if (now)
      io.out(
        ja
          ? `現在: idleAbove ${now.idleAbove} ${unit}, runAbove ${now.runAbove} ${unit}, hysteresis ${now.hysteresis} ${unit}`
          : `now:      idleAbove ${now.idleAbove} ${unit}, runAbove ${now.runAbove} ${unit}, hysteresis ${now.hysteresis} ${unit}`,
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
