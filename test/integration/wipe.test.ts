import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_MARK } from '../../gateway/kitlife/dataFolder.js';
import { EXIT } from '../../gateway/kitlife/exitCodes.js';
import type { CommandIo } from '../../gateway/kitlife/io.js';
import { wipeKit } from '../../gateway/kitlife/wipe.js';
import { influxAccess, influxAuthHeader, influxQuery, startTestInfluxd, tempDir } from '../helpers/services.js';

function io(answer?: string): CommandIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (line) => lines.push(line), ...(answer !== undefined ? { ask: async () => answer } : {}) };
}

/** A kit file as init leaves it, and a data folder with the rooms a loan fills (and one no code knows yet). */
function loanedKit(dir: string, extra = '') {
  const dataDir = join(dir, 'data');
  const kitFile = join(dir, 'kit.yaml');
  writeFileSync(
    kitFile,
    `kit: { id: kit-w01, site: 株式会社ワイプ試験, preset: lending-4ct }\ndataDir: ${dataDir}\n` +
      'sources: { serial: [{ id: node-1, path: /dev/null }] }\n' +
      'machines: [{ id: lathe-1, name: 旋盤, source: { node: node-1, channel: ct1 }, thresholds: { idleAbove: 0.5, runAbove: 4 } }]\n' +
      `broker: { accounts: [{ username: node-1, role: node, node: node-1, passwordHash: "scrypt$16384$8$1$c2FsdA==$aGFzaA==" }] }\n${extra}`,
  );
  for (const [room, file] of [
    ['auth', 'users.json'],
    ['spool', 'segment-000001.log'],
    ['alarms', 'state.json'],
    ['future-room', 'kept-by-a-room-added-later.bin'],
  ] as const) {
    mkdirSync(join(dataDir, room), { recursive: true });
    writeFileSync(join(dataDir, room, file), room === 'auth' ? '{"users":[]}' : 'ワイプ試験 marker');
  }
  writeFileSync(join(dataDir, DATA_MARK), '');
  return { dataDir, kitFile };
}

describe('minotake wipe', () => {
  const dirs: { remove(): void }[] = [];
  let influxd: Awaited<ReturnType<typeof startTestInfluxd>>;
  const journal = tempDir('journal');
  beforeAll(async () => {
    influxd = await startTestInfluxd(join(journal.path, 'influxdb'));
  });
  afterAll(async () => {
    await influxd?.stop();
    for (const d of dirs) d.remove();
    journal.remove();
  });
  const work = () => {
    const d = tempDir('wipe');
    dirs.push(d);
    return d.path;
  };
  const options = { journalRoots: [join(journal.path, 'none')] };

  it('asks for the kit id, and removes nothing when the answer is wrong', async () => {
    const { dataDir, kitFile } = loanedKit(work());
    await expect(wipeKit(['--config', kitFile], io('kit-w02'), options)).rejects.toMatchObject({ exitCode: EXIT.refused });
    await expect(wipeKit(['--config', kitFile], io(), options)).rejects.toMatchObject({ exitCode: EXIT.refused });
    expect(readdirSync(dataDir)).toHaveLength(5);
    expect(readFileSync(kitFile, 'utf8')).toContain('株式会社ワイプ試験');
  });

  it('empties the data folder whole, a room it has never heard of included, and resets the kit file', async () => {
    const { dataDir, kitFile } = loanedKit(work());
    const out = io('kit-w01');
    const record = await wipeKit(['--config', kitFile], out, options);
    expect(record.verified).toBe(true);
    expect(readdirSync(dataDir)).toEqual([DATA_MARK]);
    expect(record.removed.map((r) => r.what)).toEqual(['alarms/', 'auth/', 'future-room/', 'spool/']);
    expect(out.lines.join('\n')).toContain('0 users, 0 tokens');
    const kit = readFileSync(kitFile, 'utf8');
    expect(kit).not.toContain('ワイプ試験');
    expect(kit).not.toContain('aGFzaA==');
    expect(kit).toContain('id: kit-w01');
    expect(kit).toContain(`dataDir: ${dataDir}`);
    expect(kit).toContain('# 貸出プリセット A');
  });

  it('refuses a data folder that is not a kit’s, and one a running kit holds', async () => {
    const dir = work();
    const { dataDir, kitFile } = loanedKit(dir);
    writeFileSync(join(dataDir, 'kit.pid'), String(process.pid));
    await expect(wipeKit(['--config', kitFile, '--yes'], io(), options)).rejects.toMatchObject({ exitCode: EXIT.refused });
    writeFileSync(join(dataDir, 'kit.pid'), '');
    const notKit = join(dir, 'home');
    mkdirSync(notKit);
    writeFileSync(join(notKit, 'thesis.txt'), 'not the kit’s');
    writeFileSync(kitFile, readFileSync(kitFile, 'utf8').replace(`dataDir: ${dataDir}`, `dataDir: ${notKit}`));
    await expect(wipeKit(['--config', kitFile, '--yes'], io(), options)).rejects.toMatchObject({ exitCode: EXIT.refused });
    expect(existsSync(join(notKit, 'thesis.txt'))).toBe(true);
  });

  it('drops only this kit’s series from an InfluxDB other kits share', async () => {
    const { username, password } = influxAccess(influxd.url);
    const { kitFile } = loanedKit(
      work(),
      `storage: { influx: { url: "${influxd.url}", username: ${username}, password: "${password}" }, database: shared }\n`,
    );
    await fetch(`${influxd.url}/query?q=CREATE%20DATABASE%20shared`, { method: 'POST', headers: influxAuthHeader(influxd.url) });
    const body = ['kit-w01', 'kit-w09']
      .map((kit, i) => `current,kit=${kit},node=node-1,channel=ct1 amps=${i + 1} ${Date.now() * 1e6}`)
      .join('\n');
    expect((await fetch(`${influxd.url}/write?db=shared`, { method: 'POST', headers: influxAuthHeader(influxd.url), body })).status).toBe(
      204,
    );
    const record = await wipeKit(['--config', kitFile, '--yes'], io(), options);
    expect(record.verified).toBe(true);
    const left = await influxQuery(influxd.url, 'shared', 'SELECT "amps", "kit" FROM "current"');
    expect(left.map((r) => r.kit)).toEqual(['kit-w09']);
  });
});
