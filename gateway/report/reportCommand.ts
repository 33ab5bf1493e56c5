/** `minotake report`: the trial report as a PDF file, from the kit's recorded data, on the Pi without a browser. */
import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ConfigError, loadKitConfig } from '../../config/load.js';
import { createAlarmHistory } from '../alarms/history.js';
import { createHistoryStore } from '../history/historyStore.js';
import { openKitStorage } from '../kitlife/kitStorage.js';
import { noteOutsideTrace } from '../kitlife/outsideTraces.js';
import { addDays, formatDate, localDate, zonedInstant } from '../utilization/timeZone.js';
import { ReportFontError } from './font.js';

export const REPORT_HELP = `minotake report — 試用報告書（PDF）/ the trial report (PDF)

使い方 / Usage:
  minotake report --config <kit.yaml> --from <YYYY-MM-DD> [--to <YYYY-MM-DD>] [--out report.pdf] [--lang ja|en]

  --from, --to   期間（キットのタイムゾーンの日付、両端を含む。--to の既定は今日）
                 the period: local dates in the kit's time zone, both included (--to defaults to today)
  --out          出力ファイル（既定 minotake-<キット>-report-<期間>.pdf）/ output file
  --lang         ja（既定）または en / ja (default) or en

キットが動いていればそのデータベースを読み、止まっていればデータフォルダのデータベースを一時的に起動します。
Reads the running kit's database, or starts the data folder's database for the time it takes when the kit is stopped.

終了コード / Exit codes: 0 OK, 1 失敗 / failed, 2 使い方・設定の誤り / usage or config error
`;

export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  now?: () => number;
}

const processIo: CommandIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function civil(text: string): { year: number; month: number; day: number } | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
  return check.getUTCMonth() === date.month - 1 && check.getUTCDate() === date.day ? date : undefined;
}

/** Runs the command; the exit code is returned, never thrown. */
export async function reportCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  const usage = (message: string) => {
    io.err(`${message}\n\n${REPORT_HELP}`);
    return 2;
  };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        from: { type: 'string' },
        to: { type: 'string' },
        out: { type: 'string', short: 'o' },
        lang: { type: 'string', default: 'ja' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.help) {
    io.out(REPORT_HELP);
    return 0;
  }
  if (typeof values.config !== 'string') return usage('--config <kit.yaml> が必要です / --config <kit.yaml> is required');
  if (values.lang !== 'ja' && values.lang !== 'en') return usage(`--lang: ja か en / ja or en, got ${JSON.stringify(values.lang)}`);
  let config: ReturnType<typeof loadKitConfig>;
  try {
    config = loadKitConfig(resolve(values.config));
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const tz = config.kit.timeZone;
  const now = (io.now ?? Date.now)();
  const fromDate = typeof values.from === 'string' ? civil(values.from) : undefined;
  const toDate = typeof values.to === 'string' ? civil(values.to) : localDate(now, tz);
  if (!fromDate) return usage(`--from <YYYY-MM-DD> が必要です / --from <YYYY-MM-DD> is required, got ${JSON.stringify(values.from ?? '')}`);
  if (!toDate) return usage(`--to: YYYY-MM-DD の日付 / --to must be a date YYYY-MM-DD, got ${JSON.stringify(values.to)}`);
  const from = zonedInstant(fromDate, 0, tz);
  const to = zonedInstant(addDays(toDate, 1), 0, tz);
  if (!(to > from)) return usage('--to は --from 以降の日付にしてください / --to must not be before --from');
  if (from >= now) return usage('--from が未来の日付です / --from is in the future');
  const out = resolve(
    typeof values.out === 'string'
      ? values.out
      : `minotake-${config.kit.id}-report-${formatDate(fromDate).replace(/-/g, '')}_${formatDate(toDate).replace(/-/g, '')}.pdf`,
  );

  const log = pino({ level: process.env.LOG_LEVEL ?? 'warn', base: { kit: config.kit.id, part: 'report' } });
  let storage: Awaited<ReturnType<typeof openKitStorage>> | undefined;
  try {
    storage = await openKitStorage(config, resolve(config.dataDir), log);
    const history = createHistoryStore(storage.influx, config, { now: () => now });
    const alarms = createAlarmHistory(storage.influx, config.storage.database, config.kit.id);
    // Loaded here, not at the top: cli.ts imports this file into every gateway, which should not carry the PDF stack.
    const { makeTrialReport } = await import('./trial.js');
    const doc = await makeTrialReport({ config, history, alarms, now: () => now }, { from, to, lang: values.lang });
    const pages = doc.pageCount;
    const pdf = await doc.toBuffer();
    // Written beside and renamed, so an interrupted run never leaves half a PDF under the name.
    writeFileSync(`${out}.part`, pdf);
    renameSync(`${out}.part`, out);
    // The report holds the company's figures: a copy left on the kit's own disk goes at the wipe.
    noteOutsideTrace(resolve(config.dataDir), out, 'report');
    io.out(`OK: ${out} (${pages} ページ / pages, ${Math.round(pdf.length / 1024)} KB)\n`);
    return 0;
  } catch (error) {
    if (error instanceof ReportFontError) io.err(`${error.messageJa}\n${error.message}\n`);
    else io.err(`報告書を作れませんでした / the report could not be made: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await storage?.close();
  }
}
