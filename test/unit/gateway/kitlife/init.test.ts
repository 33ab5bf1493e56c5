import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadKitConfig } from '../../../../config/load.js';
import { AuthStore } from '../../../../gateway/auth/store.js';
import { verifyPassword } from '../../../../gateway/broker/password.js';
import { EXIT } from '../../../../gateway/kitlife/exitCodes.js';
import { initKit } from '../../../../gateway/kitlife/init.js';
import type { CommandError } from '../../../../gateway/kitlife/text.js';
import { requireCommand, tempDir } from '../../../helpers/services.js';

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});
function workDir() {
  const dir = tempDir('init');
  dirs.push(dir);
  return dir.path;
}
const initArgs = [
  '--preset',
  'lending-4ct',
  '--kit-id',
  'kit-a07',
  '--company',
  '株式会社テスト製作所 本社工場',
  '--host',
  'kit-a07.factory.lan',
];

describe('minotake init', () => {
  it('makes a valid kit file from the preset with fresh secrets, a certificate, the first admin and a label', async () => {
    requireCommand('openssl', 'apt-get install openssl');
    const cwd = workDir();
    const result = initKit(initArgs, cwd);
    const config = loadKitConfig(result.kitFile);
    expect(config.kit).toMatchObject({ id: 'kit-a07', site: '株式会社テスト製作所 本社工場', preset: 'lending-4ct' });
    // The preset's comments survive: center staff read them.
    expect(readFileSync(result.kitFile, 'utf8')).toContain('# 貸出プリセット A');
    expect(statSync(result.kitFile).mode & 0o077).toBe(0);

    // Broker accounts: the shown password matches the stored hash, and no plain password is in the file.
    expect(result.brokerAccounts.map((a) => a.username)).toEqual(['node-1']);
    const [account] = config.broker.accounts;
    expect(verifyPassword(result.brokerAccounts[0]?.password ?? '', account?.passwordHash ?? '')).toBe(true);
    expect(readFileSync(result.kitFile, 'utf8')).not.toContain(result.brokerAccounts[0]?.password);

    // HTTPS: a server certificate for the given name, signed by the kit's CA, whose key is not kept.
    const tls = config.http.tls as { cert: string; key: string };
    expect(config.broker.tls).toMatchObject({ ...tls, port: 8883 });
    const cert = new X509Certificate(readFileSync(join(cwd, tls.cert)));
    const ca = new X509Certificate(readFileSync(join(cwd, 'var/tls/ca.crt')));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkHost('kit-a07.factory.lan')).toBe('kit-a07.factory.lan');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(existsSync(join(cwd, 'var/tls/ca.key'))).toBe(false);
    expect(statSync(join(cwd, tls.key)).mode & 0o077).toBe(0);

    // The first admin logs in with the password shown once; the wall tablet has its kiosk link.
    const auth = new AuthStore(join(cwd, 'var/auth'));
    expect((await auth.verifyLogin(result.admin.username, result.admin.password))?.role).toBe('admin');
    expect(auth.listTokens().filter((t) => t.kind === 'kiosk')).toHaveLength(1);
    const label = readFileSync(result.labelFile, 'utf8');
    expect(label).toContain('kit-a07');
    expect(label).toContain('株式会社テスト製作所');
    expect(label).toContain(result.dashboardUrl);
    expect(label).toMatch(/<svg[^>]+><rect/);
    expect(result.labelFile.startsWith(join(cwd, 'var'))).toBe(true);
  });

  it('refuses to overwrite a kit file or to start on a data folder that holds an earlier loan', () => {
    requireCommand('openssl', 'apt-get install openssl');
    const cwd = workDir();
    initKit(initArgs, cwd);
    expect(() => initKit(initArgs, cwd)).toThrow(expect.objectContaining({ exitCode: EXIT.refused }));
    try {
      initKit([...initArgs, '--force'], cwd);
      expect.unreachable();
    } catch (error) {
      expect((error as CommandError).exitCode).toBe(EXIT.refused);
      expect((error as CommandError).text.en).toContain('run minotake wipe first');
    }
  });

  it('names what is wrong and writes nothing for a bad kit id or an unknown preset', () => {
    const cwd = workDir();
    expect(() => initKit(['--preset', 'lending-4ct', '--kit-id', 'Kit A!', '--company', 'x'], cwd)).toThrow(/kit\.id/);
    expect(() => initKit(['--preset', 'no-such', '--kit-id', 'k1', '--company', 'x'], cwd)).toThrow(
      expect.objectContaining({ exitCode: EXIT.usage }),
    );
    expect(existsSync(join(cwd, 'kit.yaml'))).toBe(false);
    expect(existsSync(join(cwd, 'var'))).toBe(false);
  });
});
