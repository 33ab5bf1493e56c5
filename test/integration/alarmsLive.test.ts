import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKit } from '../helpers/kit.js';
import { influxQuery, waitFor } from '../helpers/services.js';

interface Hook {
  kind: string;
  alarm: { id: string; ruleId: string; state: string; target: { id: string } };
}

describe('alarms on the running kit', () => {
  let t: Awaited<ReturnType<typeof startTestKit>>;
  let hookServer: Server;
  const received: Hook[] = [];

  beforeAll(async () => {
    hookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(hookServer.address() as { port: number }).port}/hook`;
    t = await startTestKit('alarms-live', { notifications: { channels: [{ id: 'office', kind: 'webhook', url, minSeverity: 'info' }] } });
  });
  afterAll(async () => {
    await t?.stop();
    await new Promise((r) => hookServer.close(r));
  });

  it('raises sensor-silent when the node is unplugged, notifies once, stores it, and clears when the node returns', async () => {
    t.node.start({ linesPerSecond: 10 });
    await waitFor('the node online', () => t.kit.live.snapshot().nodes.find((n) => n.id === 'node-a')?.online);
    await t.node.unplug();
    // node-a's silentAfterSeconds is 5 in the test kit; the engine ticks every 5 s.
    const raised = await waitFor(
      'sensor-silent raised',
      () => t.kit.live.snapshot().alarms.find((a) => a.ruleId === 'sensor-silent' && a.target.id === 'node-a'),
      30_000,
    );
    expect(raised.severity).toBe('critical');
    expect(raised.message.ja).toContain('node-a');
    await waitFor('the webhook told', () => received.some((h) => h.kind === 'raised' && h.alarm.id === raised.id), 15_000);

    await t.node.plugIn();
    t.node.start({ linesPerSecond: 10 });
    await waitFor(
      'the alarm cleared (still shown until acknowledged)',
      () => t.kit.live.snapshot().alarms.find((a) => a.id === raised.id)?.state === 'cleared-unacknowledged',
      30_000,
    );
    await waitFor('the webhook told it cleared', () => received.some((h) => h.kind === 'cleared' && h.alarm.id === raised.id), 15_000);
    expect(received.filter((h) => h.kind === 'raised' && h.alarm.id === raised.id)).toHaveLength(1);

    const acknowledged = t.kit.alarms.acknowledge(raised.id, 'suzuki', 'ケーブルを挿し直しました');
    expect(acknowledged.ok).toBe(true);
    expect(t.kit.live.snapshot().alarms.find((a) => a.id === raised.id)).toBeUndefined();
    const stored = await waitFor(
      'the alarm history in InfluxDB',
      async () => {
        const rows = await influxQuery(
          t.influxd.current.url,
          'minotake',
          `SELECT * FROM "events"."alarm" WHERE "rule" = 'sensor-silent' AND "target" = 'node-a'`,
        );
        return rows.length >= 3 ? rows : undefined;
      },
      15_000,
    );
    expect(stored.map((r) => r.state)).toEqual(expect.arrayContaining(['active-unacknowledged', 'cleared-unacknowledged', 'cleared']));
    expect(stored.some((r) => r.acknowledged_by === 'suzuki')).toBe(true);
  });
});
