/**
 * `minotake wipe`: after a loan, removes the company's data everywhere the kit keeps it, resets the kit file to its
 * preset, verifies, and prints a record for the loan's papers.
 *
 * Everything the kit stores lives under its data folder (InfluxDB, spool, dead letters, users, sessions, tokens,
 * kiosk links, alarm state, certificates, the label, and any room added later), so the folder is emptied whole rather
 * than room by room: a new room is covered without a change here. Outside it: the kit file (reset to the preset),
 * the kit's own journal namespace (the service unit logs there), copies a command left on the kit's own disk, the
 * inspection stations' watched folders, and the series of an external InfluxDB.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadKitConfig } from '../../config/load.js';
import type { KitConfig } from '../../config/schema.js';
import { AuthStore } from '../auth/store.js';
import { ident, literal } from '../history/influxql.js';
import { formatLocal } from '../utilization/timeZone.js';
import { DATA_MARK, dataFolderOf, isKitDataFolder, requireKitStopped } from './dataFolder.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { CommandIo } from './io.js';
import { readKitDocument, saveKitDocument } from './kitFile.js';
import { openKitStorage } from './kitStorage.js';
import { readOutsideTraces } from './outsideTraces.js';
import { presetFile } from './presets.js';
import { CommandError, pickLang, text, usageError } from './text.js';

export const WIPE_HELP = `  minotake wipe --config <kit.yaml> [--yes] [--record <file>]
                                        貸出先のデータをすべて消去し、設定をプリセットに戻す（キット ID の入力で確認）
                                        remove every trace of the borrower's data and reset the kit file (confirm with the kit id)`;

/** The service unit logs to this journal namespace, so the kit's log lines can be removed without the system's. */
export const JOURNAL_NAMESPACE = 'minotake';
/** Where journald keeps namespace journals; MINOTAKE_JOURNAL_DIR names another (a test's). */
const JOURNAL_ROOTS = process.env.MINOTAKE_JOURNAL_DIR ? [process.env.MINOTAKE_JOURNAL_DIR] : ['/var/log/journal', '/run/log/journal'];

export interface WipeOptions {
  /** Where namespace journals live; tests point at a folder of their own. */
  journalRoots?: string[];
}

interface Removed {
  what: string;
  files: number;
  bytes: number;
  note?: string;
}

export interface WipeRecord {
  kitId: string;
  company: string;
  preset: string;
  at: number;
  by: string;
  removed: Removed[];
  left: string[];
  verified: boolean;
  problems: string[];
}

function sizeOf(path: string): { files: number; bytes: number } {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return { files: 0, bytes: 0 };
  if (!s.isDirectory()) return { files: 1, bytes: s.size };
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += statSync(join(entry.parentPath, entry.name), { throwIfNoEntry: false })?.size ?? 0;
  }
  return { files, bytes };
}

/** Refuses a data folder that is not clearly a kit's: emptying `/home/pi` by a typo must not be possible. */
function checkFolder(dataDir: string, kitFile: string): void {
  const risky = new Set(['/', homedir(), '/home', '/etc', '/usr', '/var', '/opt', '/tmp', '/root']);
  if (risky.has(dataDir) || (existsSync(dataDir) && readdirSync(dataDir).length > 0 && !isKitDataFolder(dataDir))) {
    throw new CommandError(
      EXIT.refused,
      text(
        `${dataDir} はキットのデータフォルダに見えません（${DATA_MARK} がありません）。dataDir を確認してください`,
        `${dataDir} does not look like a kit data folder (no ${DATA_MARK}): check dataDir`,
      ),
    );
  }
  if (kitFile.startsWith(`${dataDir}/`)) {
    throw new CommandError(
      EXIT.refused,
      text('設定ファイルがデータフォルダの中にあります。外に移してください', 'the kit file is inside the data folder: move it out first'),
    );
  }
}

function namespaceJournals(roots: string[]): string[] {
  return roots.flatMap((root) =>
    existsSync(root)
      ? readdirSync(root)
          .filter((n) => n.endsWith(`.${JOURNAL_NAMESPACE}`))
          .map((n) => join(root, n))
      : [],
  );
}

/** journald's own way first (rotate, then vacuum everything), then whatever files are left. */
function wipeJournal(roots: string[], removed: Removed[], problems: string[]): void {
  const dirs = namespaceJournals(roots);
  if (dirs.length === 0) return;
  for (const args of [['--rotate'], ['--vacuum-time=1s']]) {
    try {
      execFileSync('journalctl', [`--namespace=${JOURNAL_NAMESPACE}`, ...args], { stdio: 'ignore', timeout: 30_000 });
    } catch {} // no journald for the namespace (the kit is stopped, or no systemd): the files go below
  }
  for (const dir of dirs) {
    const size = sizeOf(dir);
    try {
      for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
      removed.push({ what: `journal ${dir}`, ...size });
    } catch (error) {
      problems.push(`${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (sudo minotake wipe)`);
    }
  }
}

/** Series of this kit in an external InfluxDB (which other kits may share): dropped by tag, every measurement and policy. */
async function wipeExternal(config: KitConfig, dataDir: string, removed: Removed[], problems: string[]): Promise<void> {
  const storage = await openKitStorage(config, dataDir, pino({ level: 'silent' }));
  const where = `${ident('kit')} = ${literal(config.kit.id)}`;
  try {
    const before = await storage.influx.query<{ key: string }>(`SHOW SERIES WHERE ${where}`);
    await storage.influx.query(`DROP SERIES WHERE ${where}`);
    removed.push({ what: `InfluxDB ${storage.url} ${config.storage.database}`, files: 0, bytes: 0, note: `${before.length} series` });
    const after = await storage.influx.query(`SHOW SERIES WHERE ${where}`);
    if (after.length > 0) problems.push(`InfluxDB ${storage.url}: ${after.length} series of ${config.kit.id} remain`);
  } finally {
    await storage.close();
  }
}

/** The kit file as its preset, keeping what belongs to the kit rather than the loan: its id and where its data lives. */
function resetKitFile(file: string, config: KitConfig, presetOption: string | undefined): string {
  const preset = presetOption ?? config.kit.preset;
  if (!preset) {
    throw usageError(
      '設定ファイルにプリセットの記録（kit.preset）がありません。--preset <名前> で指定してください',
      'the kit file does not say its preset (kit.preset): name it with --preset <name>',
    );
  }
  const doc = readKitDocument(presetFile(preset));
  doc.setIn(['kit', 'id'], config.kit.id);
  doc.setIn(['kit', 'preset'], preset);
  const current = readKitDocument(file);
  if (current.has('dataDir')) doc.set('dataDir', current.get('dataDir'));
  saveKitDocument(file, doc);
  return preset;
}

export async function wipeKit(args: string[], io: CommandIo, options: WipeOptions = {}): Promise<WipeRecord> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      yes: { type: 'boolean', default: false },
      preset: { type: 'string' },
      record: { type: 'string' },
      lang: { type: 'string' },
    },
  });
  if (!values.config) throw usageError('--config <kit.yaml> が必要です', '--config <kit.yaml> is required');
  const kitFile = resolve(values.config);
  const config = loadKitConfig(kitFile);
  const lang = pickLang(values.lang, config.kit.locale);
  const dataDir = dataFolderOf(config);
  requireKitStopped(dataDir);
  checkFolder(dataDir, kitFile);
  if (!values.yes) {
    if (!io.ask) {
      throw new CommandError(
        EXIT.refused,
        text(
          '確認できません（端末がありません）。スクリプトでは --yes を付けてください',
          'cannot ask for confirmation (no terminal): add --yes in scripts',
        ),
      );
    }
    const answer = await io.ask(
      lang === 'ja'
        ? `「${config.kit.site}」のデータをすべて消去します。キット ID（${config.kit.id}）を入力してください: `
        : `This removes all data of "${config.kit.site}". Type the kit id (${config.kit.id}) to go on: `,
    );
    if (answer.trim() !== config.kit.id)
      throw new CommandError(EXIT.refused, text('キット ID が違うので中止しました', 'the kit id did not match: nothing was removed'));
  }

  const removed: Removed[] = [];
  const problems: string[] = [];
  const left: string[] = [];
  if (config.storage.influx) await wipeExternal(config, dataDir, removed, problems);
  if (existsSync(dataDir)) {
    // Counted before they go, for the record: never the names, which are the company's too.
    let auth = '';
    try {
      const store = new AuthStore(join(dataDir, 'auth'));
      auth = `${store.listUsers().length} users, ${store.listTokens().length} tokens`;
    } catch {}
    const home = statSync(dataDir).dev;
    for (const trace of readOutsideTraces(dataDir)) {
      const at = statSync(trace.path, { throwIfNoEntry: false });
      if (!at) continue;
      // A copy on the kit's own disk goes; one on the company's USB stick is theirs to keep.
      if (at.dev !== home) {
        left.push(`${trace.path} (${trace.what}, on another disk)`);
        continue;
      }
      removed.push({ what: `${trace.what} ${trace.path}`, ...sizeOf(trace.path) });
      rmSync(trace.path, { recursive: true, force: true });
    }
    // The inspection stations' watched folders hold the company's product images (judged/OK, judged/NG, rejected/):
    // emptied, the folders kept for the camera's next drop.
    for (const station of config.inspection.stations) {
      const watch = resolve(station.watch);
      const at = statSync(watch, { throwIfNoEntry: false });
      if (!at) continue;
      if (at.dev !== home) {
        left.push(`${watch} (inspection station ${station.id}, on another disk)`);
        continue;
      }
      removed.push({ what: `inspection ${watch}`, ...sizeOf(watch) });
      for (const name of readdirSync(watch)) rmSync(join(watch, name), { recursive: true, force: true });
    }
    for (const name of readdirSync(dataDir).sort()) {
      if (name === DATA_MARK) continue;
      const path = join(dataDir, name);
      removed.push({
        what: `${name}${statSync(path).isDirectory() ? '/' : ''}`,
        ...sizeOf(path),
        ...(name === 'auth' && auth ? { note: auth } : {}),
      });
      rmSync(path, { recursive: true, force: true });
    }
  }
  wipeJournal(options.journalRoots ?? JOURNAL_ROOTS, removed, problems);
  const preset = resetKitFile(kitFile, config, values.preset);

  // Verify: nothing but the mark in the data folder, no journal file, and the borrower's name nowhere in the kit file.
  const rest = existsSync(dataDir) ? readdirSync(dataDir).filter((n) => n !== DATA_MARK) : [];
  if (rest.length > 0) problems.push(`${dataDir}: ${rest.join(', ')} remain`);
  for (const station of config.inspection.stations) {
    const watch = resolve(station.watch);
    if (!left.some((l) => l.startsWith(`${watch} `)) && existsSync(watch) && readdirSync(watch).length > 0)
      problems.push(`${watch} is not empty`);
  }
  for (const dir of namespaceJournals(options.journalRoots ?? JOURNAL_ROOTS))
    if (readdirSync(dir).length > 0) problems.push(`${dir} is not empty`);
  const kitText = readFileSync(kitFile, 'utf8');
  if (kitText.includes(config.kit.site)) problems.push(`${kitFile} still names ${config.kit.site}`);
  for (const account of config.broker.accounts)
    if (account.passwordHash && kitText.includes(account.passwordHash)) problems.push(`${kitFile} still holds a password hash`);

  let by = 'unknown';
  try {
    by = `${userInfo().username}@${hostname()}`;
  } catch {}
  const record: WipeRecord = {
    kitId: config.kit.id,
    company: config.kit.site,
    preset,
    at: Date.now(),
    by,
    removed,
    left,
    verified: problems.length === 0,
    problems,
  };
  const lines = formatRecord(record, config.kit.timeZone);
  if (values.record) {
    writeFileSync(resolve(values.record), `${lines.join('\n')}\n`);
  }
  for (const line of lines) io.out(line);
  return record;
}

export function formatRecord(r: WipeRecord, timeZone: string): string[] {
  const mb = (b: number) => (b < 1048576 ? `${(b / 1024).toFixed(1)} KB` : `${(b / 1048576).toFixed(1)} MB`);
  return [
    '消去記録 / Wipe record — Minotake',
    `キット / kit:        ${r.kitId}`,
    `貸出先 / borrower:   ${r.company}`,
    `日時 / when:         ${formatLocal(r.at, timeZone)} (${timeZone})`,
    `実施 / by:           ${r.by}`,
    '消去したもの / removed:',
    ...(r.removed.length === 0
      ? ['  （なし / nothing）']
      : r.removed.map(
          (x) => `  ${x.what.padEnd(28)} ${String(x.files).padStart(6)} files ${mb(x.bytes).padStart(10)}${x.note ? `  (${x.note})` : ''}`,
        )),
    ...(r.left.length > 0 ? ['残したもの / left:', ...r.left.map((l) => `  ${l}`)] : []),
    `設定ファイル / kit file: プリセット ${r.preset} に戻しました / reset to preset ${r.preset} (kit id kept)`,
    r.verified
      ? '確認 / verified: 残っているデータはありません / nothing of the borrower remains'
      : '確認 / verified: 問題あり / PROBLEMS:',
    ...r.problems.map((p) => `  ✗ ${p}`),
  ];
}

export async function wipeCommand(args: string[], io: CommandIo): Promise<ExitCode> {
  const record = await wipeKit(args, io);
  return record.verified ? EXIT.ok : EXIT.problems;
}
