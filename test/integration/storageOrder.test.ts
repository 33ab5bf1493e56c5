/**
 * A batch holds readings (the `raw` policy) and state changes (the `events` policy), written in two requests. Whoever
 * reads the record between them must never see the readings without the states derived from them: a Wi-Fi node's
 * buffered readings arrive with the RUN that replaces the 無信号 of its outage, and the record must not show the readings
 * under a 無信号 (test/integration/wifiNode.test.ts saw exactly that on a loaded machine).
 */
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectInflux, InfluxSink } from '../../gateway/storage/influxSink.js';
import type { ManagedInfluxd } from '../../gateway/storage/managedInfluxd.js';
import type { StoredPoint } from '../../gateway/storage/point.js';
import { pointTime } from '../../gateway/storage/pointTime.js';
import { ensureSchema } from '../../gateway/storage/schema.js';
import { influxQuery, startTestInfluxd, tempDir } from '../helpers/services.js';

let dir: ReturnType<typeof tempDir>;
let influxd: ManagedInfluxd;
beforeAll(async () => {
  dir = tempDir('storage-order');
  influxd = await startTestInfluxd(join(dir.path, 'influxdb'));
});
afterAll(async () => {
  await influxd?.stop();
  dir?.remove();
});

/** A relay in front of the real InfluxDB that, after each write InfluxDB answered and before the sink hears of it, reads the record. */
async function relayLookingAfterEachWrite(look: () => Promise<void>): Promise<{ url: string; close: () => void }> {
  const target = new URL(influxd.url);
  const server = createServer((req, res) => {
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => body.push(chunk));
        answer.on('end', async () => {
          if (req.url?.startsWith('/write')) await look();
          res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(body));
        });
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, close: () => server.close() };
}

describe('one batch of readings and state changes', () => {
  it('the state change is readable no later than the readings it came with', async () => {
    const influx = connectInflux({ ...influxd.access, database: 'minotake' });
    await ensureSchema(influx, 'minotake', { raw: '30d', minute: '400d', hour: 'INF', events: 'INF' });
    const ts = Date.now() - 60_000;
    const seen: { readings: number; states: number }[] = [];
    const count = async (q: string) => (await influxQuery(influxd.url, 'minotake', q)).length;
    const relay = await relayLookingAfterEachWrite(async () => {
      seen.push({
        readings: await count(`SELECT amps FROM "raw"."current" WHERE "node" = 'node-b'`),
        states: await count(`SELECT "state" FROM "events"."machine_state" WHERE "machine" = 'm5'`),
      });
    });
    try {
      const sink = new InfluxSink(connectInflux({ ...influxd.access, url: relay.url, database: 'minotake' }));
      const batch: StoredPoint[] = [
        { measurement: 'current', tags: { kit: 'k', node: 'node-b', channel: 'ct1' }, fields: { amps: 16.4 }, timeNs: pointTime(ts, 1) },
        {
          measurement: 'machine_state',
          tags: { kit: 'k', machine: 'm5' },
          fields: { state: 'RUN', code: 2, previous: 'UNKNOWN' },
          timeNs: pointTime(ts),
        },
      ];
      expect((await sink.write(batch)).rejected).toEqual([]);
    } finally {
      relay.close();
    }
    // Two writes, and after each one no reading is in the record without its state.
    expect(seen).toHaveLength(2);
    expect(seen.filter((s) => s.readings > 0 && s.states === 0)).toEqual([]);
    expect(seen.at(-1)).toEqual({ readings: 1, states: 1 });
  });
});
