import { connect } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../edge/mqtt/topics.js';
import { liveRoutes } from '../../gateway/http/routes/live.js';
import { createLiveModel } from '../../gateway/live/liveModel.js';
import { startTestKit } from '../helpers/kit.js';
import { waitFor } from '../helpers/services.js';

interface Received {
  id: number;
  type: string;
  data: unknown;
}

/** Reads server-sent events from a fetch body until aborted. */
function readEvents(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const events: Received[] = [];
  const done = (async () => {
    const response = await fetch(url, { headers, signal: controller.signal });
    if (response.status !== 200) throw new Error(`events answered ${response.status}`);
    const decoder = new TextDecoder();
    let text = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        let end = text.indexOf('\n\n');
        while (end >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const fields = Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
          if (fields.id && fields.event)
            events.push({ id: Number(fields.id), type: fields.event, data: JSON.parse(fields.data ?? 'null') });
          end = text.indexOf('\n\n');
        }
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
  })();
  return { events, stop: () => controller.abort(), done };
}

describe('live events over HTTP', () => {
  let t: Awaited<ReturnType<typeof startTestKit>>;
  let cookie: string;
  beforeAll(async () => {
    t = await startTestKit('live');
    t.kit.auth.addUser('tablet', 'tablet-password-1', 'viewer');
    const login = await fetch(`http://127.0.0.1:${t.kit.httpPort}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'tablet', password: 'tablet-password-1' }),
    });
    expect(login.status).toBe(200);
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('streams machine events, and a reconnect with Last-Event-ID resumes without a gap', async () => {
    const url = `http://127.0.0.1:${t.kit.httpPort}/api/events`;
    t.node.start({ linesPerSecond: 20 });
    const first = readEvents(url, { cookie });
    await waitFor('some machine events', () => first.events.filter((e) => e.type === 'machine').length >= 5);
    first.stop();
    await first.done;
    const lastSeen = first.events.at(-1)?.id as number;

    await waitFor('more events while disconnected', () => t.kit.live.lastEventId > lastSeen + 5);
    const second = readEvents(url, { cookie, 'last-event-id': String(lastSeen) });
    await waitFor('the missed events', () => second.events.length >= 5);
    second.stop();
    await second.done;
    const ids = second.events.map((e) => e.id);
    expect(ids[0]).toBe(lastSeen + 1);
    expect(ids).toEqual(ids.map((_, i) => lastSeen + 1 + i)); // consecutive: nothing skipped
  });

  it('lets one session hold six streams: a seventh closes its oldest, and other sessions keep theirs', async () => {
    const port = t.kit.httpPort;
    /** A raw stream that reads nothing but its status line, and notes when the gateway closes it. */
    const stream = async (sessionCookie: string) => {
      const socket = connect(port, '127.0.0.1');
      let head = '';
      const state = { status: '', closed: false };
      socket.on('data', (chunk: Buffer) => {
        head += chunk.toString();
        state.status ||= head.split('\r\n')[0] ?? '';
      });
      socket.on('close', () => {
        state.closed = true;
      });
      socket.write(`GET /api/events HTTP/1.1\r\nHost: x\r\nCookie: ${sessionCookie}\r\n\r\n`);
      await waitFor('the stream answered', () => state.status !== '' || state.closed);
      return { socket, state };
    };
    await waitFor('the streams of the tests before closed', () => t.kit.live.subscribers === 0);
    const other = await stream(cookie);
    t.kit.auth.addUser('flooder', 'flooder-password-1', 'viewer');
    const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'flooder', password: 'flooder-password-1' }),
    });
    const flooderCookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const flood: Awaited<ReturnType<typeof stream>>[] = [];
    for (let i = 0; i < 10; i++) flood.push(await stream(flooderCookie));
    expect(flood.every((s) => s.state.status === 'HTTP/1.1 200 OK')).toBe(true);
    await waitFor('the four oldest closed', () => flood.slice(0, 4).every((s) => s.state.closed));
    await waitFor('six of the flood and the other session left', () => t.kit.live.subscribers === 7);
    expect(flood.slice(4).some((s) => s.state.closed)).toBe(false);
    expect(other.state.closed).toBe(false);
    for (const s of [other, ...flood]) s.socket.destroy();
  });

  it('refuses the stream to an anonymous client', async () => {
    const response = await fetch(`http://127.0.0.1:${t.kit.httpPort}/api/events`);
    expect(response.status).toBe(401);
  });
});

describe('a slow client never slows the gateway', () => {
  it('stops feeding a client that does not read and sends it a resync once it drains', async () => {
    const config = (await import('../helpers/kit.js')).testConfig('/tmp', '/dev/null', 'http://127.0.0.1:9');
    const live = createLiveModel(config, { readingEveryMs: 0 });
    const app = Fastify();
    await app.register(liveRoutes, { config, live, maxBufferedBytes: 64 * 1024 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;

    const socket = connect(port, '127.0.0.1');
    socket.write('GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.pause(); // a tablet on a bad Wi-Fi: reads nothing
    await new Promise((r) => setTimeout(r, 200));
    const payload = (i: number) => Buffer.from(JSON.stringify({ ts: i, seq: i % 65536, amps: { ct1: i % 100 } }));
    for (let i = 0; i < 20_000; i++) live.handle(topics.nodeCurrent('test', 'node-a'), payload(i));
    expect(live.lastEventId).toBe(20_000); // the model kept up; nothing waited for the client

    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString();
    });
    socket.resume();
    await waitFor('a resync after the drain', () => text.includes('event: resync'));
    // What was written before the client fell behind is bounded by the limit, not by the 20 000 events.
    expect(text.length).toBeLessThan(2 * 1024 * 1024);
    expect(text.split('event: machine').length - 1).toBeLessThan(20_000);
    socket.destroy();
    await app.close();
  });
});
