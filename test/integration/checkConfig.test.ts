/** `minotake check-config` as center staff run it before a loan: a valid file that is risky gets a warning, not a refusal. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/services.js';

describe('check-config', () => {
  const dir = tempDir('check-config');
  afterAll(() => dir.remove());
  const kitFile = (name: string, ports: { broker: number; tls?: number; http: number }) => {
    const file = join(dir.path, name);
    writeFileSync(
      file,
      stringify({
        kit: { id: 'k1', site: '試験工場' },
        broker: { port: ports.broker, ...(ports.tls ? { tls: { cert: 'kit.crt', key: 'kit.key', port: ports.tls } } : {}) },
        http: { port: ports.http },
        // Nobody listens on port 1: the doctor's storage check fails at once instead of starting an influxd.
        storage: { influx: { url: 'http://127.0.0.1:1' } },
      }),
    );
    return file;
  };

  it('warns in Japanese and English about ports in the range lent to outgoing connections, and still passes the file', async () => {
    const file = kitFile('risky.yaml', { broker: 1883, tls: 50883, http: 32768 });
    const run = await runCli(['check-config', file], { cwd: dir.path });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`OK: ${file}`);
    const warnings = run.stdout.split('\n').filter((line) => line.includes('warning:'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('注意 / warning: broker.tls.port: 50883 is in the range the system lends to outgoing connections');
    expect(warnings[0]).toContain('50883 は OS が外向きの接続に貸し出す範囲（32768 以上）です');
    expect(warnings[1]).toContain('http.port: 32768 is in the range');
    expect(run.stdout).not.toContain('broker.port:');
  });

  it("shows the same warnings as the doctor's kit file check, in both languages", async () => {
    const run = await runCli(['doctor', '--config', kitFile('risky.yaml', { broker: 40000, http: 8080 }), '--json'], { cwd: dir.path });
    const { checks } = JSON.parse(run.stdout) as { checks: { id: string; status: string; detail: { ja: string; en: string } }[] };
    expect(checks.find((c) => c.id === 'config')).toEqual({
      id: 'config',
      status: 'warn',
      title: { ja: '設定ファイル', en: 'Kit file' },
      detail: {
        ja: expect.stringMatching(/^k1（試験工場）: 誤りなし。broker\.port: 40000 は OS が外向きの接続に貸し出す範囲/),
        en: expect.stringMatching(/^k1 \(試験工場\): valid; broker\.port: 40000 is in the range .*; choose a port below 32768$/),
      },
    });
  });

  it('says nothing more for ports below 32768, or 0 (chosen by the system at start)', async () => {
    for (const ports of [
      { broker: 1883, tls: 8883, http: 32767 },
      { broker: 0, http: 0 },
    ]) {
      const run = await runCli(['check-config', kitFile('fine.yaml', ports)], { cwd: dir.path });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).not.toContain('warning');
    }
  });
});
