/**
 * Where the one-time setup code goes while the kit has no user. On an interactive console a person reads it there; under
 * systemd the console is the journal, which other users may read, so the code goes to an owner-only file instead and the
 * log says only where that file is.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { writePrivateFile } from '../privateFiles.js';
import { type AuthStore, SETUP_CODE_TTL_MS } from './store.js';

export const SETUP_CODE_FILE = 'setup-code.txt';

export interface SetupCodeOffer {
  /** The code itself, to show on the console: only when `onConsole`. */
  code?: string;
  /** The owner-only file holding the code otherwise; deleted once the code is used or has expired. */
  file?: string;
}

function fileText(code: string, expiresAt: number): string {
  const until = new Date(expiresAt).toISOString();
  return (
    `${code}\n\n` +
    'Minotake 初期設定コード: ダッシュボードで入力して最初の管理者を作成してください。' +
    `1 回限り、${until} まで有効です。使うとこのファイルは消えます。\n` +
    'Minotake setup code: enter it on the dashboard to create the first admin. ' +
    `Valid once, until ${until}; this file is deleted once the code is used.\n`
  );
}

export function offerSetupCode(store: AuthStore, opts: { dataDir: string; onConsole: boolean; log: Logger }): SetupCodeOffer {
  const file = join(opts.dataDir, SETUP_CODE_FILE);
  // A code left by an earlier start is worthless now (codes live in memory only): never let it mislead anybody.
  rmSync(file, { force: true });
  if (store.hasUsers()) return {};
  const code = store.createSetupCode({ onSpent: () => rmSync(file, { force: true }) });
  if (opts.onConsole) return { code };
  writePrivateFile(file, fileText(code, Date.now() + SETUP_CODE_TTL_MS));
  opts.log.warn(
    { file },
    'no user yet: the one-time setup code for the first admin is in this file (readable by the kit user only) / ' +
      '利用者がまだいません。最初の管理者を作成する初期設定コードはこのファイルにあります（キットのユーザーだけが読めます）',
  );
  return { file };
}
