/**
 * The kit certificate for HTTPS (and the broker's TLS): a CA of its own and a server certificate for the kit's host
 * names and addresses, made with the openssl CLI (Node's crypto reads X.509 but cannot issue it).
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { EXIT } from './exitCodes.js';
import { CommandError, text } from './text.js';

export interface KitCertificate {
  /** The CA the tablets can install to trust the kit; its key is destroyed after signing, so a lost kit cannot mint more. */
  caCert: string;
  cert: string;
  key: string;
  /** SHA-256 of the CA, to compare with what a browser shows. */
  caFingerprint: string;
  names: string[];
}

/** The names a tablet may use: the Pi's host name (with .local for mDNS), localhost, and its addresses now. */
export function defaultKitNames(extra: string[] = []): string[] {
  const host = hostname();
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal && a.family === 'IPv4')
    .map((a) => a?.address as string);
  return [...new Set([host, `${host}.local`, 'localhost', '127.0.0.1', ...addresses, ...extra])];
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') {
      throw new CommandError(
        EXIT.failed,
        text('openssl がありません: sudo apt-get install openssl', 'openssl not found: sudo apt-get install openssl'),
      );
    }
    throw new CommandError(
      EXIT.failed,
      text(`証明書を作れません: ${err.stderr ?? err.message}`, `cannot make the certificate: ${err.stderr ?? err.message}`),
    );
  }
}

export function makeKitCertificate(dir: string, kitId: string, names: string[], days = 825): KitCertificate {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const san = names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '3650',
      '-subj',
      `/O=Minotake/CN=Minotake ${kitId} CA`,
      '-addext',
      'basicConstraints=critical,CA:TRUE,pathlen:0',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  openssl(['req', '-new', ...ec, '-keyout', 'kit.key', '-out', 'kit.csr', '-subj', `/O=Minotake/CN=${names[0] ?? kitId}`], dir);
  writeFileSync(
    join(dir, 'kit.ext'),
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'kit.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      String(days),
      '-sha256',
      '-extfile',
      'kit.ext',
      '-out',
      'kit.crt',
    ],
    dir,
  );
  for (const name of ['ca.key', 'ca.srl', 'kit.csr', 'kit.ext']) rmSync(join(dir, name), { force: true });
  chmodSync(join(dir, 'kit.key'), 0o600);
  const ca = new X509Certificate(readFileSync(join(dir, 'ca.crt')));
  return {
    caCert: join(dir, 'ca.crt'),
    cert: join(dir, 'kit.crt'),
    key: join(dir, 'kit.key'),
    caFingerprint: ca.fingerprint256,
    names,
  };
}
