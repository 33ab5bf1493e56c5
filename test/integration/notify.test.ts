/** Notification delivery against real servers on loopback: HTTP endpoints for webhook/Slack/Teams/LINE and an SMTP server. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NotificationChannelConfig } from '../../config/schema.js';
import type { AlarmBody } from '../../gateway/http/schemas.js';
import { createNotifier, type Notifier } from '../../gateway/notify/notifier.js';
import type { NotifierConfig } from '../../gateway/notify/types.js';
import { testLog } from '../helpers/log.js';
import { alarm } from '../unit/gateway/notify/fixtures.js';

const LINE_TOKEN = 'line-channel-access-token-1';
const SMTP_USER = 'kit-a01';
const SMTP_PASSWORD = 'smtp-password-1';
const fast = { backoff: { baseMs: 50, maxMs: 200 }, timeoutMs: 2_000, stopGraceMs: 500 };

const ALARM: AlarmBody = alarm({ id: 'wbgt-28-floor-1751346300000', severity: 'critical' });
const LINK = 'http://pi.local:8080/#/alarms?id=wbgt-28-floor-1751346300000';
const TITLE_JA = '【重大】発生：第1工場 WBGT 28.4 ≥ 28 (厳重警戒)';
const LINES_JA = ['第1工場 WBGT 28.4 ≥ 28 (厳重警戒)', '発生時刻：2025-07-01 14:05', '拠点：テスト工場'];
const TEXT_JA = [TITLE_JA, ...LINES_JA, `ダッシュボードで見る：${LINK}`].join('\n');

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A loopback HTTP server recording every POST; `answer` picks the status per request (null = never answer). */
async function startHttp(answer: (req: Received, countOnPath: number) => number | null = () => 200) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const entry = { path: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : null };
      received.push(entry);
      const status = answer(entry, received.filter((r) => r.path === entry.path).length);
      if (status === null) return;
      res.writeHead(status, { 'content-type': 'application/json' }).end(status < 300 ? '{}' : '{"message":"try later"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const url = `http://127.0.0.1:${address.port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url, received, close, on: (path: string) => received.filter((r) => r.path === path) };
}

interface Mail {
  from: string;
  to: string[];
  user: string | undefined;
  raw: string;
}

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A real SMTP server (smtp-server) that wants a login and keeps each message as received. */
async function startSmtp(port = 0) {
  const mails: Mail[] = [];
  const logins: { username: string | undefined; password: string | undefined }[] = [];
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    // No TLS on loopback: nodemailer would refuse the self-signed certificate STARTTLS offers.
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push({ username: auth.username, password: auth.password ?? undefined });
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { port: address.port, mails, logins, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Just enough MIME: unfolded headers, RFC 2047 words, the text/plain and text/html parts in base64 or quoted-printable. */
function parseMail(raw: string): { subject: string; headers: string; text: string; html: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(headers)?.[1] ?? '';
  const subject = header('Subject')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_m, enc: string, data: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQp(data.replace(/_/g, ' ')),
    );
  const boundary = /boundary="?([^";]+)"?/i.exec(header('Content-Type'))?.[1];
  const parts = boundary ? raw.split(`--${boundary}`).slice(1, -1) : [raw];
  const decoded = (type: string) => {
    const part = parts.find((p) => new RegExp(`Content-Type: ${type}`, 'i').test(p));
    if (!part) return '';
    const at = part.indexOf('\r\n\r\n');
    const partHeaders = part.slice(0, at);
    const body = part.slice(at + 4);
    if (/Content-Transfer-Encoding: base64/i.test(partHeaders)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (/Content-Transfer-Encoding: quoted-printable/i.test(partHeaders)) return decodeQp(body);
    return body;
  };
  return { subject, headers, text: decoded('text/plain'), html: decoded('text/html') };
}

function decodeQp(s: string): string {
  const bytes = s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => `%${hex}`);
  return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
}

function config(channels: NotificationChannelConfig[]): NotifierConfig {
  return {
    kit: { id: 'kit-a01', site: 'テスト工場', timeZone: 'Asia/Tokyo', locale: 'ja' },
    notifications: { channels, dashboardUrl: 'http://pi.local:8080/' },
  };
}

function emailChannel(port: number): NotificationChannelConfig {
  return {
    id: 'mail',
    kind: 'email',
    minSeverity: 'warning',
    host: '127.0.0.1',
    port,
    secure: false,
    username: SMTP_USER,
    password: SMTP_PASSWORD,
    from: 'minotake@kit-a01.local',
    to: ['koujou@example.jp', 'shachou@example.jp'],
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track(notifier: Notifier): Notifier {
  cleanups.push(() => notifier.stop());
  return notifier;
}

describe('notification channels against real servers', () => {
  it('posts the exact webhook, Slack, Teams and LINE bodies and mails a UTF-8 message', async () => {
    const http = await startHttp();
    cleanups.push(http.close);
    const smtp = await startSmtp();
    cleanups.push(smtp.close);
    const notifier = track(
      createNotifier({
        config: config([
          { id: 'hook', kind: 'webhook', minSeverity: 'info', url: `${http.url}/hook?secret=s3`, headers: { 'x-api-key': 'k1' } },
          { id: 'slack', kind: 'slack', minSeverity: 'info', url: `${http.url}/slack/T000/B000/XXXX` },
          { id: 'teams', kind: 'teams', minSeverity: 'info', url: `${http.url}/teams?sig=abc` },
          { id: 'line', kind: 'line', minSeverity: 'info', channelAccessToken: LINE_TOKEN, to: ['U1', 'C2'], apiUrl: `${http.url}/line` },
          emailChannel(smtp.port),
        ]),
        log: testLog,
        ...fast,
      }),
    );
    notifier.notify({ kind: 'raised', alarm: ALARM, rule: {} });
    await vi.waitFor(() => expect(Object.values(notifier.stats()).map((s) => s.delivered)).toEqual([1, 1, 1, 1, 1]), { timeout: 10_000 });

    const [hook] = http.on('/hook?secret=s3');
    expect(hook?.headers['x-api-key']).toBe('k1');
    expect(hook?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(hook?.body).toEqual({ kit: { id: 'kit-a01', site: 'テスト工場' }, kind: 'raised', alarm: ALARM, text: TEXT_JA, link: LINK });

    expect(http.on('/slack/T000/B000/XXXX').map((r) => r.body)).toEqual([
      {
        text: TITLE_JA,
        blocks: [
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: `*${TITLE_JA}*\n${LINES_JA.join('\n')}\n<${LINK}|ダッシュボードで見る>`,
            },
          },
        ],
      },
    ]);

    const teams = http.on('/teams?sig=abc')[0]?.body as {
      type: string;
      attachments: { contentType: string; content: Record<string, unknown> }[];
    };
    expect(teams.type).toBe('message');
    expect(teams.attachments).toHaveLength(1);
    expect(teams.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(teams.attachments[0]?.content).toEqual({
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.4',
      body: [
        { type: 'TextBlock', text: TITLE_JA, weight: 'Bolder', size: 'Medium', wrap: true, color: 'attention' },
        ...LINES_JA.map((text) => ({ type: 'TextBlock', text, wrap: true, spacing: 'Small' })),
      ],
      actions: [{ type: 'Action.OpenUrl', title: 'ダッシュボードで見る', url: LINK }],
    });

    const line = http.on('/line');
    expect(line.map((r) => r.body)).toEqual([
      { to: 'U1', messages: [{ type: 'text', text: TEXT_JA }] },
      { to: 'C2', messages: [{ type: 'text', text: TEXT_JA }] },
    ]);
    for (const r of line) {
      expect(r.headers.authorization).toBe(`Bearer ${LINE_TOKEN}`);
      expect(r.headers['x-line-retry-key']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }

    expect(smtp.logins).toEqual([{ username: SMTP_USER, password: SMTP_PASSWORD }]);
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.user).toBe(SMTP_USER);
    expect(mail.from).toBe('minotake@kit-a01.local');
    expect(mail.to).toEqual(['koujou@example.jp', 'shachou@example.jp']);
    const parsed = parseMail(mail.raw);
    expect(parsed.subject).toBe(TITLE_JA);
    expect(parsed.headers).toMatch(/^To: koujou@example\.jp, shachou@example\.jp$/im);
    expect(parsed.text).toBe(`${LINES_JA.join('\n')}\n\nダッシュボードで見る: ${LINK}\n`);
    expect(parsed.html).toContain('<h3>【重大】発生：第1工場 WBGT 28.4 ≥ 28 (厳重警戒)</h3>');
    expect(parsed.html).toContain(`<a href="${LINK}">ダッシュボードで見る</a>`);
    expect(mail.raw).toMatch(/charset=utf-8/i);
  });

  it('delivers a webhook exactly once after the server answered 503 twice', async () => {
    const http = await startHttp((_req, n) => (n <= 2 ? 503 : 200));
    cleanups.push(http.close);
    const notifier = track(
      createNotifier({
        config: config([{ id: 'hook', kind: 'webhook', minSeverity: 'info', url: `${http.url}/hook` }]),
        log: testLog,
        ...fast,
      }),
    );
    notifier.notify({ kind: 'raised', alarm: ALARM, rule: {} });
    await vi.waitFor(() => expect(notifier.stats().hook?.delivered).toBe(1), { timeout: 10_000 });
    expect(notifier.recent()[0]).toMatchObject({ channel: 'hook', kind: 'raised', alarmId: ALARM.id, state: 'delivered', attempts: 3 });
    expect(notifier.recent()[0]?.lastError).toMatch(/answered 503/);
    // Let any stray retry show itself before counting.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(http.on('/hook')).toHaveLength(3);
    expect(new Set(http.on('/hook').map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(notifier.stats().hook).toMatchObject({ delivered: 1, failed: 0, retrying: 0, pending: 0 });
  });

  it('pushes a LINE retry only to the recipient that failed', async () => {
    const http = await startHttp((req) => {
      const to = (req.body as { to: string }).to;
      return to === 'C2' && http.received.filter((r) => (r.body as { to: string }).to === 'C2').length === 1 ? 500 : 200;
    });
    cleanups.push(http.close);
    const notifier = track(
      createNotifier({
        config: config([
          { id: 'line', kind: 'line', minSeverity: 'info', channelAccessToken: LINE_TOKEN, to: ['U1', 'C2'], apiUrl: `${http.url}/push` },
        ]),
        log: testLog,
        ...fast,
      }),
    );
    notifier.notify({ kind: 'raised', alarm: ALARM, rule: {} });
    await vi.waitFor(() => expect(notifier.stats().line?.delivered).toBe(1), { timeout: 10_000 });
    const pushes = http.on('/push');
    expect(pushes.map((r) => (r.body as { to: string }).to)).toEqual(['U1', 'C2', 'C2']);
    // The retry carries the same key, so LINE could tell a duplicate.
    expect(pushes[2]?.headers['x-line-retry-key']).toBe(pushes[1]?.headers['x-line-retry-key']);
    expect(pushes[0]?.headers['x-line-retry-key']).not.toBe(pushes[1]?.headers['x-line-retry-key']);
  });

  it('delivers e-mail once the SMTP server, down at first, comes up', async () => {
    const port = await freePort();
    const notifier = track(createNotifier({ config: config([emailChannel(port)]), log: testLog, ...fast }));
    notifier.notify({ kind: 'raised', alarm: ALARM, rule: {} });
    await vi.waitFor(() => expect(notifier.recent()[0]?.lastError).toMatch(/ECONNREFUSED/), { timeout: 10_000 });
    expect(notifier.stats().mail).toMatchObject({ delivered: 0, retrying: 1 });
    const smtp = await startSmtp(port);
    cleanups.push(smtp.close);
    await vi.waitFor(() => expect(notifier.stats().mail?.delivered).toBe(1), { timeout: 10_000 });
    expect(notifier.recent()[0]?.attempts).toBeGreaterThanOrEqual(2);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]?.to).toEqual(['koujou@example.jp', 'shachou@example.jp']);
    expect(parseMail(smtp.mails[0]!.raw).subject).toBe(TITLE_JA);
  });

  it('fails at once, without retrying, when the endpoint refuses the request (4xx)', async () => {
    const http = await startHttp(() => 404);
    cleanups.push(http.close);
    const notifier = track(
      createNotifier({
        config: config([{ id: 'slack', kind: 'slack', minSeverity: 'info', url: `${http.url}/gone` }]),
        log: testLog,
        ...fast,
      }),
    );
    notifier.notify({ kind: 'raised', alarm: ALARM, rule: {} });
    await vi.waitFor(() => expect(notifier.stats().slack?.failed).toBe(1), { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(http.received).toHaveLength(1);
    expect(notifier.recent()[0]).toMatchObject({ state: 'failed', attempts: 1 });
    // The origin only: the path of a Slack webhook URL is its secret.
    expect(notifier.recent()[0]?.lastError).toBe(`${http.url} answered 404: {"message":"try later"}`);
  });

  it('returns from notify at once while a channel hangs, and the timeout frees the slot', async () => {
    const http = await startHttp(() => null);
    cleanups.push(http.close);
    const notifier = track(
      createNotifier({
        config: config([{ id: 'hook', kind: 'webhook', minSeverity: 'info', url: `${http.url}/hang` }]),
        log: testLog,
        ...fast,
        timeoutMs: 300,
        // Keep every record, so the one in flight is still listed after the burst.
        recentLimit: 1000,
      }),
    );
    const results: unknown[] = [];
    for (let i = 0; i < 1000; i += 1) results.push(notifier.notify({ kind: 'raised', alarm: { ...ALARM, id: `a${i}` }, rule: {} }));
    // notify is synchronous: nothing was returned to await, and nothing was sent while the loop ran.
    expect(results.every((r) => r === undefined)).toBe(true);
    expect(http.received).toHaveLength(0);
    expect(notifier.stats().hook).toMatchObject({ pending: 500, dropped: 500 });
    await vi.waitFor(() => expect(http.received.length).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
    const first = notifier.recent().find((r) => r.alarmId === 'a500');
    expect(first?.lastError).toBe(`${http.url} did not answer within 300 ms`);
    expect(first?.state).toBe('pending');
    expect(http.received.every((r) => (r.body as { alarm: { id: string } }).alarm.id === 'a500')).toBe(true);
    // stop() gives the hanging request its grace, then cuts it off.
    await notifier.stop();
  });
});
