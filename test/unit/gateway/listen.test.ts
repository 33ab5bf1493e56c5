import { readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ListenError, listenOnce, listenOnPort, localUrlHost } from '../../../gateway/listen.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) if (server.listening) await new Promise((r) => server.close(r));
});

/** Another program's socket on a free loopback port. */
async function squat(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  servers.push(server);
  await listenOnce(server, 0, '127.0.0.1');
  return { server, port: (server.address() as { port: number }).port };
}

function recordingLog() {
  const lines: { level: number; msg: string; port?: number }[] = [];
  return { lines, log: pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) }) };
}

describe('listening on a kit port', () => {
  it('waits for a port another program holds for a moment, saying once which port and part wait', async () => {
    const { server: squatter, port } = await squat();
    const { lines, log } = recordingLog();
    const kitServer = createServer();
    servers.push(kitServer);
    setTimeout(() => squatter.close(), 800);
    await listenOnPort(() => listenOnce(kitServer, port, '127.0.0.1'), { part: 'mqtt', host: '127.0.0.1', port, log });

    expect((kitServer.address() as { port: number }).port).toBe(port);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toContain(`ポート ${port}（MQTT ブローカ）は他のプログラムが使用中です`);
    expect(warnings[0]?.msg).toContain(`port ${port} (MQTT broker) is in use by another program; waiting up to 30 s`);
    expect(lines.at(-1)?.msg).toBe('port free again, listening');
  });

  it('gives up after the wait with what to do, in Japanese and English', async () => {
    const { port } = await squat();
    const kitServer = createServer();
    servers.push(kitServer);
    const attempt = listenOnPort(() => listenOnce(kitServer, port, '127.0.0.1'), {
      part: 'http',
      host: '127.0.0.1',
      port,
      log: recordingLog().log,
      waitMs: 1000,
    });
    const error = (await attempt.catch((e: unknown) => e)) as ListenError;
    expect(error).toBeInstanceOf(ListenError);
    expect(error.code).toBe('PORT_IN_USE');
    expect(error.message).toContain(`ポート ${port}（ダッシュボード・HTTP サーバ）は他のプログラムが使用中で`);
    expect(error.message).toContain(`Port ${port} (dashboard / HTTP server) is in use by another program`);
    expect(error.message).toContain(`sudo ss -tanp 'sport = :${port}'`);
    expect(error.message).toContain('set http.port in the kit file to a free port');
    // A port the system picked for a test socket comes from the range it also lends to outgoing connections.
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    expect(port >= (low as number) && port <= (high as number)).toBe(true);
    expect(error.message).toContain(`range the system lends to outgoing connections (${low}–${high})`);
  });

  it('does not wait for an address this machine does not have', async () => {
    const kitServer = createServer();
    servers.push(kitServer);
    const { lines, log } = recordingLog();
    const attempt = listenOnPort(() => listenOnce(kitServer, 0, '192.0.2.1'), { part: 'mqtt', host: '192.0.2.1', port: 0, log });
    await expect(attempt).rejects.toMatchObject({
      code: 'ADDRESS_NOT_HERE',
      message: expect.stringContaining('アドレス 192.0.2.1（MQTT ブローカ）はこの機械にありません'),
    });
    expect(lines).toEqual([]); // no "waiting" warning: it failed at once
  });

  it("gives the doctor the address a port listens on: the kit file's own address, loopback for everywhere", async () => {
    for (const host of ['0.0.0.0', '127.0.0.2']) {
      const kitServer = createServer((socket) => socket.end());
      servers.push(kitServer);
      await listenOnce(kitServer, 0, host);
      const { port } = kitServer.address() as { port: number };
      const reached = await new Promise<boolean>((resolve) => {
        const socket = connect(port, localUrlHost(host), () => resolve(true)).on('error', () => resolve(false));
        socket.on('close', () => socket.destroy());
      });
      expect(reached, `port ${port} on ${host} reached at ${localUrlHost(host)}`).toBe(true);
    }
    // In a URL an IPv6 address goes in brackets; `::` (everywhere) is reached at its loopback.
    expect(localUrlHost('::')).toBe('[::1]');
    expect(localUrlHost('fd00::10')).toBe('[fd00::10]');
  });
});
