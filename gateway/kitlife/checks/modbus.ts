/** RS-485 buses and their Modbus devices: is the adapter there, does each device answer, and how clean is the line? */
import pino from 'pino';
import type { ModbusBusConfig, ModbusDeviceConfig } from '../../../config/schema.js';
import { Backoff } from '../../../edge/sources/backoff.js';
import { createModbusBus, type ModbusBusStats, type ModbusDeviceStats } from '../../../edge/sources/modbus/index.js';
import { countText } from '../../countText.js';
import { text } from '../text.js';
import { portErrorAction, portPathCheck } from './sensorNodes.js';
import { type CheckResult, check } from './types.js';

/** A device whose failed requests pass this share has a noisy line, though it answers. */
const NOISY_SHARE = 0.05;

/**
 * Polls every device of a bus once, as the kit would (the same driver, its timeouts and retries), and returns the counts.
 * Only while the kit is stopped: two masters on one bus would talk over each other.
 */
export async function probeModbusBus(bus: ModbusBusConfig, capMs = 60_000): Promise<ModbusBusStats> {
  const log = pino({ level: 'silent' });
  // One round: no device comes round again before the others have had their turn.
  const once = { ...bus, devices: bus.devices.map((d) => ({ ...d, pollSeconds: capMs / 1000 })) };
  const source = createModbusBus(once, { emit: () => {}, log, now: Date.now }, { portBackoff: new Backoff(capMs, capMs) });
  await source.start();
  const done = () => {
    const stats = source.stats();
    return stats.openError !== null || Object.values(stats.devices).every((d) => d.lastPollMs !== null);
  };
  for (const until = Date.now() + capMs; !done() && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
  const stats = source.stats();
  await source.stop();
  return stats;
}

/** The adapter's port: there, by-id, and (from what the kit or a probe saw) opened. */
export function modbusBusCheck(bus: ModbusBusConfig, stats: ModbusBusStats | undefined): CheckResult | undefined {
  const id = `bus:${bus.id}`;
  const title = text(`RS-485 バス ${bus.id}`, `RS-485 bus ${bus.id}`);
  if (stats?.openError)
    return check(
      id,
      'fail',
      title,
      text(`${bus.path} を開けません: ${stats.openError}`, `cannot open ${bus.path}: ${stats.openError}`),
      portErrorAction(stats.openError),
    );
  // A simulated bus's pty exists only while the kit runs.
  if (bus.simulator) return undefined;
  return portPathCheck(id, title, bus.path, text('USB–RS-485 変換器を挿してください', 'plug in the USB–RS-485 adapter'));
}

const EXCEPTION_ACTION: Record<string, { ja: string; en: string }> = {
  '1': text(
    '機器がこの読み方を知りません。map（機種）と table（input / holding）を確認してください',
    'the device does not know this request: check map (the model) and table (input / holding)',
  ),
  '2': text(
    '機器にそのレジスタがありません。map（機種）と registers のアドレスを確認してください',
    'the device has no such register: check map (the model) and the register addresses',
  ),
  '4': text(
    '機器が自分の故障を報告しています（センサ素子など）。機器を交換してください',
    'the device reports a failure of its own (its sensor element, say): replace it',
  ),
};

function countsText(s: ModbusDeviceStats) {
  const timeouts = s.failures.timeout ?? 0;
  const garbled = (s.failures.crc ?? 0) + (s.failures.bad_frame ?? 0);
  const codes = Object.entries(s.exceptions);
  const exceptions = codes.reduce((sum, [, n]) => sum + n, 0);
  const byCode = codes.map(([code, n]) => `${code}: ${countText(n)}`).join(', ');
  return {
    timeouts,
    garbled,
    exceptions,
    text: text(
      `${countText(s.polls)} 回中 ${countText(s.answered)} 回応答、タイムアウト ${countText(timeouts)}、CRC・フレーム誤り ${countText(garbled)}、例外応答 ${countText(exceptions)}${byCode ? `（コード ${byCode}）` : ''}`,
      `answered ${countText(s.answered)} of ${countText(s.polls)} polls; ${countText(timeouts)} timeouts, ${countText(garbled)} CRC or frame errors, ${countText(exceptions)} exception answers${byCode ? ` (code ${byCode})` : ''}`,
    ),
  };
}

/** One device: answering, answering with exceptions, or answering through noise; `now` and lastAnswerAt for a running kit. */
export function modbusDeviceCheck(bus: ModbusBusConfig, device: ModbusDeviceConfig, s: ModbusDeviceStats, now: number): CheckResult {
  const id = `node:${device.id}`;
  const title = text(`Modbus 機器 ${device.id}（アドレス ${device.address}）`, `Modbus device ${device.id} (address ${device.address})`);
  if (s.polls === 0) return check(id, 'info', title, text('まだ問い合わせていません', 'not polled yet'));
  const counts = countsText(s);
  const line = `baudRate ${bus.baudRate}, parity ${bus.parity}`;
  if (s.answered === 0) {
    return check(
      id,
      'fail',
      title,
      text(`応答がありません。${counts.text.ja}`, `no answer. ${counts.text.en}`),
      counts.garbled > 0
        ? text(
            `応答が化けています。機器の速度・パリティが設定（${line}）と同じか、両端の 120 Ω 終端とケーブルを確認してください`,
            `its answers arrive garbled: check that the device's speed and parity match the kit file (${line}), the 120 Ω terminations at both ends and the cable`,
          )
        : text(
            `機器のアドレス（設定では ${device.address}）、A と B の配線、機器の電源、速度・パリティ（${line}）を確認してください`,
            `check the address set on the device (${device.address} in the kit file), A and B wiring, its power, and speed and parity (${line})`,
          ),
    );
  }
  const silentS = s.lastAnswerAt === null ? 0 : Math.round((now - s.lastAnswerAt) / 1000);
  if (silentS > device.silentAfterSeconds) {
    return check(
      id,
      'fail',
      title,
      text(`${silentS} 秒間応答がありません。${counts.text.ja}`, `no answer for ${silentS} s. ${counts.text.en}`),
      text('機器の電源と RS-485 の配線を確認してください', "check the device's power and the RS-485 wiring"),
    );
  }
  if (counts.exceptions > 0) {
    const code = Object.keys(s.exceptions)[0] ?? '';
    return check(
      id,
      'warn',
      title,
      counts.text,
      EXCEPTION_ACTION[code] ??
        text(`例外コード ${code}: 機器の取扱説明書を確認してください`, `exception code ${code}: see the device's manual`),
    );
  }
  if (s.badValues > 0) {
    return check(
      id,
      'warn',
      title,
      text(`あり得ない値を ${s.badValues} 件捨てました。${counts.text.ja}`, `${s.badValues} impossible values dropped. ${counts.text.en}`),
      text(
        'registers の type・scale・wordOrder（または map）を確認してください',
        'check type, scale and wordOrder of the registers (or the map)',
      ),
    );
  }
  if ((counts.timeouts + counts.garbled) / Math.max(1, s.requests) > NOISY_SHARE) {
    return check(
      id,
      'warn',
      title,
      counts.text,
      text(
        '線に雑音があります。ツイストペア線、両端の 120 Ω 終端、動力線から離す配線を確認してください',
        'the line is noisy: check for twisted-pair cable, 120 Ω terminations at both ends, and distance from power lines',
      ),
    );
  }
  return check(id, 'ok', title, counts.text);
}

/** A bus's checks: its port, then each device when the port could be used. */
export function modbusChecks(bus: ModbusBusConfig, stats: ModbusBusStats | undefined, now: number): CheckResult[] {
  const port = modbusBusCheck(bus, stats);
  if (port?.status === 'fail' || !stats) return port ? [port] : [];
  const devices = bus.devices.flatMap((device) => {
    const s = stats.devices[device.id];
    return s ? [modbusDeviceCheck(bus, device, s, now)] : [];
  });
  return [...(port ? [port] : []), ...devices];
}
