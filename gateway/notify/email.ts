/** E-mail channel over SMTP with nodemailer: subject is the title, a plain-text body and a simple HTML one, all UTF-8. */
import type { Transporter } from 'nodemailer';
import type { NotificationChannelConfig } from '../../config/schema.js';
import { onFirstUse } from '../lazy.js';
import { type Attempt, DeliveryError, type Outgoing, type Sender } from './types.js';

type EmailChannel = Extract<NotificationChannelConfig, { kind: 'email' }>;

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function emailContent(out: Outgoing): { subject: string; text: string; html: string } {
  const { message } = out;
  const link = message.link ? `${message.linkLabel}: ${message.link}` : null;
  const text = [...message.lines, ...(link ? ['', link] : [])].join('\n') + '\n';
  const htmlLines = message.lines.map((line) => `<p>${escapeHtml(line)}</p>`);
  if (message.link) htmlLines.push(`<p><a href="${escapeHtml(message.link)}">${escapeHtml(message.linkLabel)}</a></p>`);
  const html = `<!doctype html><html lang="${message.locale}"><meta charset="utf-8"><body><h3>${escapeHtml(message.title)}</h3>${htmlLines.join('')}</body></html>`;
  return { subject: message.title, text, html };
}

// nodemailer is ~1.3 MB of heap that a kit without an e-mail channel never needs.
const mailer = onFirstUse(() => import('nodemailer'));

export function createEmailSender(channel: EmailChannel, timeoutMs: number): Sender {
  let transport: Transporter | undefined;
  const open = async () =>
    (transport ??= (await mailer()).default.createTransport({
      host: channel.host,
      port: channel.port,
      secure: channel.secure,
      auth: channel.username ? { user: channel.username, pass: channel.password ?? '' } : undefined,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    }));
  const where = `smtp://${channel.host}:${channel.port}`;
  return {
    async send(out: Outgoing, attempt: Attempt) {
      const content = emailContent(out);
      const sending = open().then((t) => t.sendMail({ from: channel.from, to: channel.to, ...content, textEncoding: 'base64' }));
      try {
        // nodemailer's own timeouts are per phase; this bounds the whole attempt, so a slow server cannot hold the slot longer.
        await withDeadline(sending, attempt, where);
      } catch (err) {
        if (err instanceof DeliveryError) throw err;
        throw smtpError(err, where);
      }
    },
    close: () => transport?.close(),
  };
}

function withDeadline<T>(work: Promise<T>, attempt: Attempt, where: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const end = (err: DeliveryError) => {
      clearTimeout(timer);
      attempt.signal.removeEventListener('abort', onAbort);
      reject(err);
    };
    const timer = setTimeout(
      () => end(new DeliveryError('NOTIFY_TIMEOUT', `${where} did not finish within ${attempt.timeoutMs} ms`)),
      attempt.timeoutMs,
    );
    const onAbort = () => end(new DeliveryError('NOTIFY_STOPPED', `sending to ${where} ended by stop`));
    attempt.signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        clearTimeout(timer);
        attempt.signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        attempt.signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** nodemailer's messages carry the server's reply, never the password; a 5xx reply (bad login, unknown mailbox) will not change by retrying. */
function smtpError(err: unknown, where: string): DeliveryError {
  const e = err as { code?: string; responseCode?: number; message?: string };
  const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
  const reason = [e.code, e.message].filter(Boolean).join(' ');
  return new DeliveryError('NOTIFY_SMTP', `${where}: ${reason || String(err)}`, { permanent, cause: err });
}
