/**
 * A whole loan through the real `minotake` CLI on the simulated node and a real influxd: init → run → doctor →
 * calibrate → export → wipe, and the wipe's proof: a marker planted everywhere data can live is found nowhere after.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { EXIT } from '../../gateway/kitlife/exitCodes.js';
import { managedInfluxdAddresses } from '../../gateway/kitlife/kitStorage.js';
import { readRunInfo } from '../../gateway/kitlife/runInfo.js';
import { runCli, startCli } from '../helpers/cli.js';
import { call, signIn } from '../helpers/http.js';
import { startSimulatedNode } from '../helpers/kit.js';
import { latheHistory } from '../helpers/lathe.js';
import { influxAuthHeader, influxQuery, requireCommand, startTestInfluxd, tempDir, waitFor } from '../helpers/services.js';

const MARKER = 'zq7mark';
const grepMarker = (dir: string) => {
  try {
    return execFileSync('grep', ['-rla', MARKER, dir], { encoding: 'utf8' }).trim().split('\n');
  } catch (error) {
    if ((error as { status?: number }).status === 1) return []; // grep: no match
    throw error;
  }
};

describe('a loan from init to wipe with the real CLI', () => {
  const dir = tempDir('loan');
  const cwd = join(dir.path, 'kit');
  const journal = join(dir.path, 'journal');
  const env = { MINOTAKE_JOURNAL_DIR: journal, LOG_FORMAT: 'json' };
  const stops: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    dir.remove();
  });

  it('prepares, checks, calibrates, exports and wipes a kit, leaving no trace of the borrower', { timeout: 300_000 }, async () => {
    requireCommand('influxd', 'apt-get install influxdb');
    requireCommand('openssl', 'apt-get install openssl');
    mkdirSync(cwd, { recursive: true });
    const hooks: string[] = [];
    const webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        hooks.push(`${req.url} ${body}`);
        res.end();
      });
    });
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', () => r()));
    stops.push(() => new Promise((r) => webhook.close(r)));
    const hookPort = (webhook.address() as { port: number }).port;

    // 1. init from the preset, for a borrower whose name carries the marker.
    const init = await runCli(
      ['init', '--preset', 'lending-4ct', '--kit-id', 'kit-t01', '--company', `株式会社${MARKER}製作所`, '--lang', 'en'],
      { cwd, env },
    );
    expect(init.stderr).toBe('');
    expect(init.code).toBe(EXIT.ok);
    const adminPassword = /admin {2}admin {2}(\S+)/.exec(init.stdout)?.[1] as string;
    expect(adminPassword).toHaveLength(16);

    // On site: the node's port, free ports, a machine and an alarm rule named by the borrower, a webhook.
    const node = await startSimulatedNode(dir.path);
    stops.push(() => node.stop());
    const kitFile = join(cwd, 'kit.yaml');
    const doc = parseDocument(readFileSync(kitFile, 'utf8'));
    doc.setIn(['sources', 'serial', 0, 'path'], node.links.edgeLink);
    // The simulated node calls itself node-a in its hello (doctor would rightly say so): the kit file follows it.
    doc.setIn(['sources', 'serial', 0, 'id'], 'node-a');
    for (let i = 0; i < 4; i++) doc.setIn(['machines', i, 'source', 'node'], 'node-a');
    doc.setIn(['zones', 0, 'source', 'node'], 'node-a');
    doc.setIn(['broker', 'accounts', 0, 'node'], 'node-a');
    doc.setIn(['machines', 0, 'id'], `${MARKER}-lathe`);
    doc.setIn(['broker', 'host'], '127.0.0.1');
    doc.setIn(['broker', 'port'], 0);
    doc.setIn(['broker', 'tls', 'host'], '127.0.0.1');
    doc.setIn(['broker', 'tls', 'port'], 0);
    doc.setIn(['http', 'host'], '127.0.0.1');
    doc.setIn(['http', 'port'], 0);
    doc.set(
      'alarms',
      doc.createNode({
        rules: [{ id: `${MARKER}-warm`, name: `${MARKER} 室温`, kind: 'limit', metric: 'temperature', above: -40, severity: 'warning' }],
      }),
    );
    doc.set(
      'notifications',
      doc.createNode({ channels: [{ id: 'hook', kind: 'webhook', minSeverity: 'info', url: `http://127.0.0.1:${hookPort}/${MARKER}` }] }),
    );
    writeFileSync(kitFile, doc.toString());

    // 2. The kit runs as a process with its own influxd; the node sends.
    const kit = startCli(['run', '--config', 'kit.yaml', '--no-sim'], { cwd, env });
    stops.push(() => kit.stop());
    const dataDir = join(cwd, 'var');
    const run = await waitFor('the kit to start', () => readRunInfo(dataDir), 90_000);
    node.start({ linesPerSecond: 20 });
    const base = `https://127.0.0.1:${run.httpPort}/`;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // the kit's own CA: this test talks to it like a tablet that accepted it
    const admin = await signIn(base, 'admin', adminPassword);
    await waitFor('node readings in the kit', async () => (await call(admin, 'GET', 'api/calibration/live')).body.channels.length >= 4);

    // 3. doctor, while the kit runs: the node speaks good lines; the rest is fine or a warning (clock, time zone here).
    const doctor = await runCli(['doctor', '--config', 'kit.yaml', '--lang', 'en'], { cwd, env });
    expect(doctor.stdout).toMatch(/✓ Sensor node node-a: .*\d+ good lines, 0 rejected/);
    expect(doctor.stdout).toMatch(/✓ InfluxDB/);
    expect(doctor.stdout).toMatch(/✓ MQTT broker: answers on port \d+ and refuses clients without a password/);
    expect(doctor.stdout).toMatch(/✓ Dashboard/);
    expect([EXIT.ok, EXIT.warnings]).toContain(doctor.code);

    // 4. calibrate from two hours of the lathe, accepted into the kit file.
    const influx = managedInfluxdAddresses(join(dataDir, 'influxdb'));
    const end = Date.now() - 60_000;
    // The kit's influxd has auth on; its account is kept beside the data (owner-only).
    const account = JSON.parse(readFileSync(join(dataDir, 'influxdb', 'credentials.json'), 'utf8')) as {
      username: string;
      password: string;
    };
    const authorization = `Basic ${Buffer.from(`${account.username}:${account.password}`).toString('base64')}`;
    const write = await fetch(`${influx?.url}/write?db=minotake&rp=raw&precision=ns`, {
      method: 'POST',
      headers: { authorization },
      body: latheHistory({ kit: 'kit-t01', node: 'node-a', machine: `${MARKER}-lathe`, end, hours: 2 }),
    });
    expect(write.status).toBe(204);
    const calibrate = await runCli(['calibrate', `${MARKER}-lathe`, '--config', 'kit.yaml', '--span', '3h', '--accept', '--lang', 'en'], {
      cwd,
      env,
    });
    expect(calibrate.stderr).toBe('');
    expect(calibrate.code).toBe(EXIT.ok);
    expect(calibrate.stdout).toMatch(/proposed: idleAbove [\d.]+ A, runAbove [\d.]+ A/);
    expect(calibrate.stdout).toContain('the running kit uses the new thresholds at once');
    const thresholds = parseDocument(readFileSync(kitFile, 'utf8')).getIn(['machines', 0, 'thresholds']) as {
      toJSON(): { runAbove: number };
    };
    expect(thresholds.toJSON().runAbove).toBeGreaterThan(2);
    expect(thresholds.toJSON().runAbove).toBeLessThan(9);

    // Marks of the borrower: a user, an acknowledged alarm with a comment, the notification it sent.
    expect(
      (await call(admin, 'POST', 'api/admin/users', { username: `${MARKER}-user`, password: 'a-long-password-1', role: 'operator' }))
        .status,
    ).toBe(201);
    const alarm = await waitFor('the warm alarm', async () =>
      (await call(admin, 'GET', 'api/alarms')).body.alarms.find((a: { ruleId: string }) => a.ruleId === `${MARKER}-warm`),
    );
    expect((await call(admin, 'POST', `api/alarms/${alarm.id}/ack`, { comment: `${MARKER} 確認しました` })).status).toBe(200);
    await waitFor('the notification', () => hooks.some((h) => h.includes(MARKER)));

    // 5. export: CSV as on the export page, and a backup another influxd restores.
    // Dates as center staff type them: local days of the kit's time zone.
    const localDay = (ms: number) => new Date(ms).toLocaleDateString('sv-SE', { timeZone: 'Asia/Tokyo' });
    const [yesterday, today] = [localDay(Date.now() - 86_400_000), localDay(Date.now())];
    const out = join(dir.path, 'export');
    const exported = await runCli(['export', '--config', 'kit.yaml', '--from', yesterday, '--to', today, '--out', out, '--lang', 'en'], {
      cwd,
      env,
    });
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(EXIT.ok);
    const readings = readdirSync(out).find((f) => f.includes('-readings-')) as string;
    expect(readFileSync(join(out, readings), 'utf8')).toContain(`${MARKER}-lathe`);
    execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out });
    const other = await startTestInfluxd(join(dir.path, 'restored'));
    stops.push(() => other.stop());
    const rpc = managedInfluxdAddresses(join(dir.path, 'restored'))?.rpcAddress as string;
    execFileSync('influxd', ['restore', '-portable', '-db', 'minotake', '-newdb', 'restored', '-host', rpc, join(out, 'influxdb-backup')]);
    // A restored shard is enabled a moment after the restore returns.
    const restored = await waitFor('the restored shards', () =>
      influxQuery(other.url, 'restored', `SELECT count("amps") FROM "raw"."current" WHERE "machine" = '${MARKER}-lathe'`),
    );
    expect(Number(restored[0]?.count)).toBeGreaterThanOrEqual(7200);

    // The trial report, handed over as a file written on the kit's own disk.
    const report = join(dir.path, 'report.pdf');
    const reported = await runCli(['report', '--config', 'kit.yaml', '--from', yesterday, '--to', today, '--out', report, '--lang', 'en'], {
      cwd,
      env,
    });
    expect(reported.stderr).toBe('');
    expect(reported.code).toBe(0);
    expect(existsSync(report)).toBe(true);

    // The spool: InfluxDB goes away, readings keep coming and wait on disk.
    const influxdPid = Number(readFileSync(join(dataDir, 'influxdb', 'influxd.pid'), 'utf8'));
    process.kill(influxdPid, 'SIGKILL');
    await waitFor('readings in the spool', () => grepMarker(join(dataDir, 'spool')).length > 0, 60_000);
    expect(await kit.stop()).toBe(0);
    // A log line the kit wrote: the service unit sends its journal to the kit's own namespace.
    mkdirSync(join(journal, '0123456789abcdef.minotake'), { recursive: true });
    writeFileSync(join(journal, '0123456789abcdef.minotake', 'system.journal'), `MESSAGE=user added ${MARKER}-user\n`);

    // An inspection station's watched folder, with the company's product images the kit judged.
    const station = parseDocument(readFileSync(kitFile, 'utf8'));
    station.set('inspection', station.createNode({ stations: [{ id: 'line-1', name: '検査 1', trial: 'parts', watch: 'drop/line-1' }] }));
    writeFileSync(kitFile, station.toString());
    mkdirSync(join(cwd, 'drop', 'line-1', 'judged', 'NG'), { recursive: true });
    writeFileSync(join(cwd, 'drop', 'line-1', 'judged', 'NG', `${MARKER}-part-17.png`), `${MARKER} image`);

    const planted = grepMarker(dataDir).map((f) => f.slice(dataDir.length + 1).split('/')[0]);
    expect(new Set(planted)).toEqual(new Set(['influxdb', 'spool', 'auth', 'alarms', 'label']));

    // 6. wipe: refused without a confirmation, then done with --yes; the record lists what went.
    const refused = await runCli(['wipe', '--config', 'kit.yaml'], { cwd, env });
    expect(refused.code).toBe(EXIT.refused);
    expect(refused.stderr).toContain('--yes');
    expect(grepMarker(dataDir).length).toBeGreaterThan(0);
    const wipe = await runCli(['wipe', '--config', 'kit.yaml', '--yes', '--lang', 'en'], { cwd, env });
    expect(wipe.stderr).toBe('');
    expect(wipe.code).toBe(EXIT.ok);
    expect(wipe.stdout).toContain(`株式会社${MARKER}製作所`); // the record names the borrower, for the loan's papers
    for (const room of ['influxdb/', 'spool/', 'auth/', 'alarms/', 'tls/', 'label/', 'journal', 'inspection ', 'report '])
      expect(wipe.stdout).toContain(room);
    expect(wipe.stdout).toContain('nothing of the borrower remains');

    // The proof: the marker is nowhere on the kit, not in the kit file, not in the journal, not in InfluxDB.
    expect(grepMarker(dataDir)).toEqual([]);
    expect(grepMarker(journal)).toEqual([]);
    expect(readdirSync(join(cwd, 'drop', 'line-1'))).toEqual([]);
    expect(readFileSync(kitFile, 'utf8')).not.toContain(MARKER);
    expect(readFileSync(kitFile, 'utf8')).toContain('kit-t01');
    const fresh = await startTestInfluxd(join(dataDir, 'influxdb'));
    stops.push(() => fresh.stop());
    const shown = (await (await fetch(`${fresh.url}/query?q=SHOW%20DATABASES`, { headers: influxAuthHeader(fresh.url) })).json()) as {
      results: { series?: { values?: string[][] }[] }[];
    };
    const databases = (shown.results[0]?.series?.[0]?.values ?? []).flat();
    expect(databases).not.toContain('minotake');
    await fresh.stop();
    // The export folder and the report lived on the kit's own disk: wipe removed them too.
    expect(existsSync(out)).toBe(false);
    expect(existsSync(report)).toBe(false);
  });
});
