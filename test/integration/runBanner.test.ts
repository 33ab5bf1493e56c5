/** What `minotake run` prints for the person who started it: every address a client needs, the TLS one included. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startCli } from '../helpers/cli.js';
import { mosquitto, requireCommand, tempDir, waitFor } from '../helpers/services.js';

describe('the banner of minotake run', () => {
  const dir = tempDir('run-banner');
  let kit: ReturnType<typeof startCli> | undefined;
  afterAll(async () => {
    await kit?.stop();
    dir.remove();
  });

  it('shows the MQTT over TLS address when broker.tls is set, and that port is the one that answers over TLS', async () => {
    requireCommand('openssl', 'apt-get install openssl');
    const cert = join(dir.path, 'kit.crt');
    const key = join(dir.path, 'kit.key');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-keyout',
        key,
        '-out',
        cert,
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      {
        stdio: 'ignore',
      },
    );
    const file = join(dir.path, 'kit.yaml');
    writeFileSync(
      file,
      stringify({
        kit: { id: 'k1', site: 'banner' },
        dataDir: join(dir.path, 'var'),
        // InfluxDB at a closed port: the kit spools, and this test needs no database.
        storage: { influx: { url: 'http://127.0.0.1:9' } },
        broker: {
          host: '127.0.0.1',
          port: 0,
          accounts: [{ username: 'grafana', role: 'reader', password: 'grafana-password-1' }],
          tls: { cert, key, host: '127.0.0.1', port: 0 },
        },
        http: { host: '127.0.0.1', port: 0 },
      }),
    );
    kit = startCli(['run', '--config', file, '--no-sim'], { cwd: dir.path });
    const running = kit;
    const [plain, tls] = await waitFor(
      'the banner',
      () => {
        const plainPort = /MQTT: {3}mqtt:\/\/<this-host>:(\d+)/.exec(running.output)?.[1];
        const tlsPort = /MQTT \(TLS\): mqtts:\/\/<this-host>:(\d+)/.exec(running.output)?.[1];
        return plainPort && tlsPort ? [Number(plainPort), Number(tlsPort)] : undefined;
      },
      60_000,
    );
    expect(tls).not.toBe(plain);
    // An independent client that trusts the kit's certificate reaches the broker at the printed port, over TLS.
    const sub = await mosquitto('mosquitto_sub', [
      ...['-h', '127.0.0.1', '-p', String(tls), '--cafile', cert, '-u', 'grafana', '-P', 'grafana-password-1'],
      ...['-t', 'minotake/v1/k1/status', '-C', '1', '-W', '10'],
    ]);
    expect(sub.stdout).toContain('"online":true');
  });
});
