/** `minotake init`: a kit file from a preset for one loan, with new secrets, the kit certificate, the first admin and the label. */
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isMap, isSeq, type YAMLMap } from 'yaml';
import { parseKitYaml } from '../../config/load.js';
import { AuthStore } from '../auth/store.js';
import { hashPassword } from '../broker/password.js';
import { formatDate, localDate } from '../utilization/timeZone.js';
import { defaultKitNames, makeKitCertificate } from './certificate.js';
import { dataFolderOf, isEmptyFolder, markDataFolder } from './dataFolder.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { CommandIo } from './io.js';
import { readKitDocument, saveKitDocument } from './kitFile.js';
import { labelHtml } from './label.js';
import { noteOutsideTrace } from './outsideTraces.js';
import { presetFile } from './presets.js';
import { CommandError, langOf, pickLang, text, usageError } from './text.js';

/** No 0/O, 1/l/I: a password read off a screen and typed on a tablet. */
const READABLE = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export function readablePassword(length: number): string {
  let password = '';
  for (let i = 0; i < length; i++) password += READABLE[randomInt(READABLE.length)];
  return password;
}

export const INIT_HELP = `  minotake init --preset <name> --kit-id <id> --company <name> [--out kit.yaml] [--host <name|ip>]…
                                        貸出用のキット設定・秘密情報・証明書・管理者・ラベルを作成
                                        make a loan's kit file, secrets, certificate, first admin and label`;

export interface InitResult {
  kitFile: string;
  labelFile: string;
  admin: { username: string; password: string };
  brokerAccounts: { username: string; password: string }[];
  dashboardUrl: string;
}

export function initKit(args: string[], cwd = process.cwd()): InitResult {
  const { values } = parseArgs({
    args,
    options: {
      preset: { type: 'string' },
      'kit-id': { type: 'string' },
      company: { type: 'string' },
      out: { type: 'string', default: 'kit.yaml' },
      'data-dir': { type: 'string' },
      host: { type: 'string', multiple: true, default: [] },
      admin: { type: 'string', default: 'admin' },
      label: { type: 'string' },
      force: { type: 'boolean', default: false },
      lang: { type: 'string' },
    },
  });
  if (!values.preset || !values['kit-id'] || !values.company) {
    throw usageError('--preset, --kit-id, --company が必要です', '--preset, --kit-id and --company are required');
  }
  const kitFile = resolve(cwd, values.out);
  if (existsSync(kitFile) && !values.force) {
    throw new CommandError(
      EXIT.refused,
      text(`${kitFile} はもうあります（上書きは --force）`, `${kitFile} exists already (--force to overwrite)`),
    );
  }
  const doc = readKitDocument(presetFile(values.preset));
  doc.setIn(['kit', 'id'], values['kit-id']);
  doc.setIn(['kit', 'site'], values.company);
  doc.setIn(['kit', 'preset'], values.preset);
  if (values['data-dir']) doc.set('dataDir', values['data-dir']);
  const dataDirSetting = String(doc.get('dataDir') ?? 'var');

  // Every broker account gets a fresh password, stored only as its scrypt hash.
  const brokerAccounts: InitResult['brokerAccounts'] = [];
  const accounts = doc.getIn(['broker', 'accounts']);
  if (isSeq(accounts)) {
    for (const item of accounts.items) {
      if (!isMap(item)) continue;
      const account = item as YAMLMap;
      const password = readablePassword(20);
      account.delete('password');
      account.set('passwordHash', hashPassword(password));
      brokerAccounts.push({ username: String(account.get('username')), password });
    }
  }
  // Paths in the kit file are relative where dataDir is, so the file still works when the kit's folder moves.
  const tlsDir = join(dataDirSetting, 'tls');
  // One certificate for HTTPS and MQTT over TLS (port 8883): the tablets and integrators trust one CA.
  doc.setIn(['http', 'tls'], doc.createNode({ cert: join(tlsDir, 'kit.crt'), key: join(tlsDir, 'kit.key') }));
  doc.setIn(['broker', 'tls'], doc.createNode({ cert: join(tlsDir, 'kit.crt'), key: join(tlsDir, 'kit.key') }));
  // Checked before anything is written: a preset that does not validate leaves no half-made kit behind.
  const config = parseKitYaml(doc.toString(), kitFile);

  const dataDir = dataFolderOf(config, cwd);
  if (!isEmptyFolder(dataDir)) {
    throw new CommandError(
      EXIT.refused,
      text(
        `データフォルダ ${dataDir} に前の貸出のデータがあります。先に minotake wipe で消去してください`,
        `the data folder ${dataDir} holds an earlier loan's data: run minotake wipe first`,
      ),
    );
  }
  markDataFolder(dataDir);
  const certificate = makeKitCertificate(join(dataDir, 'tls'), config.kit.id, defaultKitNames(values.host));
  const auth = new AuthStore(join(dataDir, 'auth'));
  const admin = { username: values.admin, password: readablePassword(16) };
  auth.addUser(admin.username, admin.password, 'admin');
  const { secret } = auth.createToken('kiosk', 'wall tablet / 壁掛けタブレット', 'viewer');

  const dashboardUrl = `https://${hostname()}.local:${config.http.port}${config.http.basePath}`;
  // The label holds a kiosk secret: it lives in the data folder, so wipe takes it with the rest.
  const labelFile = values.label ? resolve(cwd, values.label) : join(dataDir, 'label', `${config.kit.id}-label.html`);
  mkdirSync(dirname(labelFile), { recursive: true });
  noteOutsideTrace(dataDir, labelFile, 'label');
  writeFileSync(
    labelFile,
    labelHtml({
      kitId: config.kit.id,
      company: values.company,
      dashboardUrl,
      kioskUrl: `${dashboardUrl}api/auth/kiosk/${secret}`,
      caFingerprint: certificate.caFingerprint,
      preparedOn: formatDate(localDate(Date.now(), config.kit.timeZone)),
    }),
    { mode: 0o600 },
  );
  mkdirSync(dirname(kitFile), { recursive: true });
  saveKitDocument(kitFile, doc);
  return { kitFile, labelFile, admin, brokerAccounts, dashboardUrl };
}

export async function initCommand(args: string[], io: CommandIo): Promise<ExitCode> {
  const lang = pickLang(langOf(args));
  const r = initKit(args);
  const ja = lang === 'ja';
  const shown = (p: string) => relative(process.cwd(), p) || p;
  io.out(ja ? `キット設定を作成しました: ${shown(r.kitFile)}` : `kit file written: ${shown(r.kitFile)}`);
  io.out(ja ? `ラベル（印刷して貼る）: ${shown(r.labelFile)}` : `label (print it and stick it on the kit): ${shown(r.labelFile)}`);
  io.out(ja ? `ダッシュボード: ${r.dashboardUrl}` : `dashboard: ${r.dashboardUrl}`);
  io.out('');
  io.out(
    ja
      ? 'パスワードは今回だけ表示します。控えて貸出書類と一緒に保管してください:'
      : 'Passwords are shown this once: note them with the loan papers:',
  );
  io.out(`  ${ja ? '管理者' : 'admin'}  ${r.admin.username}  ${r.admin.password}`);
  for (const a of r.brokerAccounts) io.out(`  MQTT  ${a.username}  ${a.password}`);
  io.out('');
  io.out(`${ja ? '次に' : 'next'}: minotake doctor --config ${shown(r.kitFile)}`);
  return EXIT.ok;
}
