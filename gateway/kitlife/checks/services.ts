/** The kit's services seen from outside, as a tablet or an integrator would: InfluxDB, the MQTT broker, the dashboard. */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { InfluxDB } from 'influx';
import { localUrlHost } from '../../listen.js';
import { text } from '../text.js';
import { type CheckResult, check } from './types.js';

const NOT_RUNNING = text(
  'キットを起動してからもう一度: sudo systemctl start minotake',
  'start the kit and run doctor again: sudo systemctl start minotake',
);

/** The newest point the kit stored (ms), for the clock check; null when there is none. */
export async function newestPointAt(influx: InfluxDB, database: string, kitId: string): Promise<number | null> {
  const where = `WHERE "kit" = '${kitId.replace(/'/g, "\\'")}'`;
  const statements = [
    `SELECT last("amps") FROM "${database}"."raw"."current" ${where}`,
    `SELECT last("temperature_c") FROM "${database}"."raw"."climate" ${where}`,
    `SELECT last("state") FROM "${database}"."events"."machine_state" ${where}`,
  ];
  const response = (await influx.queryRaw(statements, { database, precision: 'ms' })) as {
    results?: { series?: { values?: unknown[][] }[] }[];
  };
  const times = (response.results ?? [])
    .flatMap((r) => r.series ?? [])
    .flatMap((s) => s.values ?? [])
    .map((v) => Number(v[0]));
  return times.length > 0 ? Math.max(...times.filter(Number.isFinite)) : null;
}

export async function influxCheck(influx: InfluxDB, database: string, where: string): Promise<CheckResult> {
  const title = text('InfluxDB', 'InfluxDB');
  const names = await influx.getDatabaseNames();
  if (!names.includes(database)) {
    return check(
      'influxdb',
      'warn',
      title,
      text(`${where} は応答しますが、データベース ${database} はまだありません`, `${where} answers, but has no database ${database} yet`),
      text('キットを一度起動すると作られます', 'the kit creates it when it starts'),
    );
  }
  return check('influxdb', 'ok', title, text(`${where} が応答し、${database} があります`, `${where} answers and holds ${database}`));
}

export function influxFailure(error: Error & { code?: string }): CheckResult {
  const missing = error.code === 'INFLUXD_MISSING';
  return check(
    'influxdb',
    'fail',
    text('InfluxDB', 'InfluxDB'),
    text(`使えません: ${error.message.split('\n')[0]}`, `not available: ${error.message.split('\n')[0]}`),
    missing
      ? text('sudo apt-get install influxdb', 'sudo apt-get install influxdb')
      : text('ログ（journalctl -u minotake）を確認してください', 'look at the log: journalctl -u minotake'),
  );
}

/**
 * A client without a password must get a CONNACK that refuses it: the broker is up, and it asks for accounts. Asked where the
 * broker listens (`broker.host`), as a client on the factory network would find it.
 */
export async function brokerCheck(port: number | undefined, host: string): Promise<CheckResult> {
  const title = text('MQTT ブローカ', 'MQTT broker');
  if (port === undefined)
    return check(
      'broker',
      'info',
      title,
      text('キットが止まっているので確認していません', 'not checked: the kit is not running'),
      NOT_RUNNING,
    );
  // Loaded for the check only: a running gateway has no MQTT client of its own to carry (docs/memory.md).
  const { default: mqtt } = await import('mqtt');
  const outcome = await new Promise<'refused' | 'anonymous' | string>((resolve) => {
    const client = mqtt.connect(`mqtt://${localUrlHost(host)}:${port}`, {
      reconnectPeriod: 0,
      connectTimeout: 5000,
      clientId: `minotake-doctor-${process.pid}`,
    });
    const done = (value: string) => {
      client.end(true);
      resolve(value);
    };
    client.once('connect', () => done('anonymous'));
    client.once('error', (error: Error & { code?: number | string }) =>
      done(error.code === 5 || error.code === 135 || error.code === 4 ? 'refused' : error.message),
    );
    setTimeout(() => done('no answer within 6 s'), 6000);
  });
  if (outcome === 'refused')
    return check(
      'broker',
      'ok',
      title,
      text(`ポート ${port} で応答し、パスワードのない接続を断りました`, `answers on port ${port} and refuses clients without a password`),
    );
  if (outcome === 'anonymous')
    return check(
      'broker',
      'fail',
      title,
      text(`ポート ${port} がパスワードなしの接続を受け入れました`, `port ${port} accepted a client without a password`),
      text('broker.accounts を確認してください', 'check broker.accounts'),
    );
  return check(
    'broker',
    'fail',
    title,
    text(`ポート ${port} に接続できません: ${outcome}`, `cannot connect to port ${port}: ${outcome}`),
    NOT_RUNNING,
  );
}

export function getLocal(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // The kit's own certificate is self-signed: this checks that the page is served, not the chain.
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { rejectUnauthorized: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.end();
  });
}

export async function dashboardCheck(url: string | undefined): Promise<CheckResult> {
  const title = text('ダッシュボード', 'Dashboard');
  if (!url)
    return check(
      'dashboard',
      'info',
      title,
      text('キットが止まっているので確認していません', 'not checked: the kit is not running'),
      NOT_RUNNING,
    );
  try {
    const { status, body } = await getLocal(url);
    if (status !== 200) return check('dashboard', 'fail', title, text(`${url} が ${status} を返しました`, `${url} answered ${status}`));
    if (body.includes('npm run build'))
      return check(
        'dashboard',
        'warn',
        title,
        text('ダッシュボードがビルドされていません', 'the dashboard is not built'),
        text('npm run build', 'npm run build'),
      );
    return check('dashboard', 'ok', title, text(`${url} が表示できます`, `${url} is served`));
  } catch (error) {
    return check(
      'dashboard',
      'fail',
      title,
      text(`${url} に接続できません: ${(error as Error).message}`, `cannot reach ${url}: ${(error as Error).message}`),
      NOT_RUNNING,
    );
  }
}
