/** `minotake export`: the loan's data for the company to keep: CSV files as on the export page, and a portable InfluxDB backup. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadKitConfig } from '../../config/load.js';
import type { KitConfig } from '../../config/schema.js';
import { createHistoryStore } from '../history/historyStore.js';
import { csvFileName } from '../http/routes/export.js';
import { formatLocal } from '../utilization/timeZone.js';
import { dataFolderOf, markDataFolder } from './dataFolder.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { CommandIo } from './io.js';
import { type KitStorage, openKitStorage } from './kitStorage.js';
import { parseLoanSpan } from './loanSpan.js';
import { noteOutsideTrace } from './outsideTraces.js';
import { CommandError, langOf, pickLang, text, usageError } from './text.js';

export const EXPORT_HELP = `  minotake export --config <kit.yaml> --from <date> --to <date> --out <dir> [--no-backup]
                                        貸出期間のデータを CSV と InfluxDB バックアップに書き出す
                                        write the loan's data as CSV files and a portable InfluxDB backup`;

export interface ExportedFile {
  name: string;
  bytes: number;
  rows?: number;
  sha256: string;
}

async function writeLines(file: string, lines: AsyncIterable<string>): Promise<number> {
  const out = createWriteStream(file, { mode: 0o644 });
  let rows = -1; // the header is not a row
  for await (const chunk of lines) {
    rows += chunk.split('\n').length - 1;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.end();
  await finished(out);
  return Math.max(rows, 0);
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

/** `influxd backup -portable` against the influxd's RPC address: every retention policy, restorable on any InfluxDB 1.x. */
export function backupInflux(storage: KitStorage, dir: string): Promise<void> {
  if (!storage.rpcAddress) {
    return Promise.reject(
      new CommandError(
        EXIT.failed,
        text(
          `外部の InfluxDB（${storage.url}）はそのサーバで influxd backup -portable -db ${storage.database} を実行してください（--no-backup で CSV のみ）`,
          `an external InfluxDB (${storage.url}) is backed up on its server: influxd backup -portable -db ${storage.database} (--no-backup for CSV only)`,
        ),
      ),
    );
  }
  return new Promise((done, fail) =>
    execFile(
      'influxd',
      ['backup', '-portable', '-db', storage.database, '-host', storage.rpcAddress as string, dir],
      { timeout: 30 * 60_000 },
      (error, _o, stderr) =>
        error
          ? fail(
              new CommandError(
                EXIT.failed,
                text(`InfluxDB のバックアップに失敗: ${stderr || error.message}`, `the InfluxDB backup failed: ${stderr || error.message}`),
              ),
            )
          : done(),
    ),
  );
}

function readme(config: KitConfig, from: number, to: number, backup: boolean): string {
  const tz = config.kit.timeZone;
  const span = `${formatLocal(from, tz)} – ${formatLocal(to, tz)} (${tz})`;
  return `Minotake ${config.kit.id} — ${config.kit.site}
期間 / span: ${span}

■ 日本語
*-readings-*.csv     電流（A）と温湿度・WBGT の全記録（1 行 1 読み取り、Excel で開けます、UTF-8 BOM 付き）
*-states-*.csv       設備ごとの状態（稼働・待機・停止・不明）の区間
*-utilization-*.csv  日ごと・シフトごとの稼働率（データのない時間は「不明」として別に数えます）
${
  backup
    ? `influxdb-backup/      InfluxDB 1.x のポータブル・バックアップ（全データ・全保存期間）。復元:
                     influxd restore -portable -db ${config.storage.database} -newdb ${config.storage.database} influxdb-backup\n`
    : ''
}SHA256SUMS           各ファイルのチェックサム（sha256sum -c SHA256SUMS で確認）

■ English
*-readings-*.csv     every current (A), temperature, humidity and WBGT reading (UTF-8 with BOM, opens in Excel)
*-states-*.csv       each machine's state intervals (run, idle, stop, unknown)
*-utilization-*.csv  utilization per day and per shift (time without data is counted apart as unknown)
${
  backup
    ? `influxdb-backup/      a portable InfluxDB 1.x backup of everything (all retention policies). Restore with
                     influxd restore -portable -db ${config.storage.database} -newdb ${config.storage.database} influxdb-backup\n`
    : ''
}SHA256SUMS           checksums of every file (check with sha256sum -c SHA256SUMS)
`;
}

export async function exportLoan(args: string[], io: CommandIo): Promise<{ files: ExportedFile[]; outDir: string }> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      'no-backup': { type: 'boolean', default: false },
      lang: { type: 'string' },
    },
  });
  if (!values.config || !values.out) throw usageError('--config と --out が必要です', '--config and --out are required');
  const config = loadKitConfig(values.config);
  const lang = pickLang(values.lang, config.kit.locale);
  const { from, to } = parseLoanSpan(values.from, values.to, config.kit.timeZone);
  const outDir = resolve(values.out);
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    throw new CommandError(
      EXIT.refused,
      text(`${outDir} は空ではありません。空のフォルダを指定してください`, `${outDir} is not empty: name an empty folder`),
    );
  }
  mkdirSync(outDir, { recursive: true });
  const dataDir = dataFolderOf(config);
  // A copy left on the kit's own disk is the company's data too: wipe must find it.
  markDataFolder(dataDir);
  noteOutsideTrace(dataDir, outDir, 'export');
  const storage = await openKitStorage(config, dataDir, pino({ level: 'silent' }));
  try {
    const history = createHistoryStore(storage.influx, config);
    const rows = new Map<string, number>();
    const csv = async (name: string, lines: AsyncIterable<string>) => {
      io.out(lang === 'ja' ? `書き出し中: ${name}` : `writing ${name}`);
      rows.set(name, await writeLines(join(outDir, name), lines));
    };
    await csv(csvFileName(config, 'readings', from), history.readingsCsv(from, to));
    await csv(csvFileName(config, 'states', from), history.statesCsv(from, to));
    await csv(csvFileName(config, 'utilization', from).replace('.csv', '-day.csv'), history.utilizationCsv(from, to, 'day'));
    await csv(csvFileName(config, 'utilization', from).replace('.csv', '-shift.csv'), history.utilizationCsv(from, to, 'shift'));
    const backup = !values['no-backup'];
    if (backup) {
      io.out(lang === 'ja' ? 'InfluxDB をバックアップ中…' : 'backing up InfluxDB…');
      await backupInflux(storage, join(outDir, 'influxdb-backup'));
    }
    writeFileSync(join(outDir, 'README.txt'), readme(config, from, to, backup));
    const files: ExportedFile[] = [];
    for (const file of filesUnder(outDir)) {
      const name = relative(outDir, file);
      files.push({ name, bytes: statSync(file).size, sha256: await sha256(file), ...(rows.has(name) ? { rows: rows.get(name) } : {}) });
    }
    writeFileSync(join(outDir, 'SHA256SUMS'), files.map((f) => `${f.sha256}  ${f.name}\n`).join(''));
    return { files, outDir };
  } finally {
    await storage.close();
  }
}

export async function exportCommand(args: string[], io: CommandIo): Promise<ExitCode> {
  const lang = pickLang(langOf(args));
  const { files, outDir } = await exportLoan(args, io);
  const ja = lang === 'ja';
  io.out(ja ? `${outDir} に書き出しました:` : `written to ${outDir}:`);
  for (const f of files.filter((f) => !f.name.startsWith('influxdb-backup'))) {
    io.out(`  ${f.name}  ${(f.bytes / 1024).toFixed(0)} KB${f.rows !== undefined ? (ja ? `  ${f.rows} 行` : `  ${f.rows} rows`) : ''}`);
  }
  const backup = files.filter((f) => f.name.startsWith('influxdb-backup'));
  if (backup.length > 0)
    io.out(
      `  influxdb-backup/  ${(backup.reduce((s, f) => s + f.bytes, 0) / 1048576).toFixed(1)} MB, ${backup.length} ${ja ? 'ファイル' : 'files'}`,
    );
  return EXIT.ok;
}
