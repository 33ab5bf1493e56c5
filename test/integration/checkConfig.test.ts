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
  const kitFile = (name: string, ports: { broker: number; tls?: number; http: number }, more: Record<string, unknown> = {}) => {
    const file = join(dir.path, name);
    writeFileSync(
      file,
      stringify({
        kit: { id: 'k1', site: '試験工場' },
        broker: { port: ports.broker, ...(ports.tls ? { tls: { cert: 'kit.crt', key: 'kit.key', port: ports.tls } } : {}) },
        http: { port: ports.http },
        // Nobody listens on port 1: the doctor's storage check fails at once instead of starting an influxd.
        storage: { influx: { url: 'http://127.0.0.1:1' } },
        ...more,
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

  /** A press whose rejects come from the inspection station it names; the kit itself runs the station line-1. */
  const pressJudgedAt = (station: string) => ({
    sources: { gpio: [{ id: 'lamp', pin: 17 }] },
    machines: [{ id: 'press-1', name: 'プレス', source: { gpio: 'lamp' } }],
    inspection: { stations: [{ id: 'line-1', name: '外観検査1', trial: 'plates', watch: 'drop' }] },
    production: { machines: [{ machine: 'press-1', inspectionStation: station }] },
  });

  it("warns when a machine's inspection station is none of the kit's, as a misspelt one would be, here and in the doctor", async () => {
    const ports = { broker: 1883, http: 8080 };
    const file = kitFile('misspelt.yaml', ports, pressJudgedAt('line-l'));
    const run = await runCli(['check-config', file], { cwd: dir.path });
    expect(run.code, run.stderr).toBe(0);
    const warnings = run.stdout.split('\n').filter((line) => line.includes('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      'warning: production.machines[0].inspectionStation: "line-l" is not a live inspection station of this kit (not in inspection.stations): ' +
        'rejects of press-1 will come only if a station outside the kit publishes under that name on minotake/v1/k1/inspection/line-l/result',
    );
    expect(warnings[0]).toContain('「line-l」はこのキットのライブ判定のステーションではありません（inspection.stations にありません）');

    const doctor = await runCli(['doctor', '--config', file, '--json'], { cwd: dir.path });
    const { checks } = JSON.parse(doctor.stdout) as { checks: { id: string; status: string; detail: { ja: string; en: string } }[] };
    const config = checks.find((c) => c.id === 'config');
    expect(config?.status).toBe('warn');
    expect(config?.detail.en).toContain('production.machines[0].inspectionStation: "line-l" is not a live inspection station');
    expect(config?.detail.ja).toContain(
      'production.machines[0].inspectionStation: 「line-l」はこのキットのライブ判定のステーションではありません',
    );

    // The kit's own station, spelt right: nothing to say.
    const right = await runCli(['check-config', kitFile('right.yaml', ports, pressJudgedAt('line-1'))], { cwd: dir.path });
    expect(right.code, right.stderr).toBe(0);
    expect(right.stdout).not.toContain('warning');
  });
});
