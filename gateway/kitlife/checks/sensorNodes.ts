/** Serial ports and sensor nodes: is each configured port there, and does a node on it speak good lines (hello, checksums)? */
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { ReadlineParser } from '@serialport/parser-readline';
import { SerialPort } from 'serialport';
import type { GpioInputConfig, SerialNodeConfig } from '../../../config/schema.js';
import type { RejectReason } from '../../../edge/protocol/frame.js';
import { parseLine } from '../../../edge/protocol/parseLine.js';
import { DEFAULT_SYSFS_GPIO_ROOT, findMainGpioChip } from '../../../edge/sources/gpio/gpioBase.js';
import { type Text, text } from '../text.js';
import { type CheckResult, check } from './types.js';

/** What is known of a node's lines: from the running kit's counters, or from listening to its port for a moment. */
export interface NodeEvidence {
  goodLines: number;
  rejected: Partial<Record<RejectReason, number>>;
  /** The node id and channels its hello gave, when one was seen. */
  hello?: { nodeId: string; firmware: string; channels: string[] };
  /** Seconds listened (a probe) or since the kit started reading (live). */
  seconds: number;
  /** Why the port could not be read, if it could not. */
  error?: string;
  /** From the running kit: the last good line, ms. */
  lastLineAt?: number;
  /** From the running kit: how often the node went offline (a cable pulled, silence), the last time and why. */
  disconnects?: number;
  lastDisconnect?: { at: number; reason: string };
}

/** A node that drops out this often while the kit runs has a cable, power or reset problem even if it comes back each time. */
const DISCONNECTS_WORTH_A_LOOK = 3;

const ago = (ms: number) =>
  ms < 120_000
    ? text(`${Math.round(ms / 1000)} 秒`, `${Math.round(ms / 1000)} s`)
    : ms < 7_200_000
      ? text(`${Math.round(ms / 60_000)} 分`, `${Math.round(ms / 60_000)} min`)
      : text(`${Math.round(ms / 3_600_000)} 時間`, `${Math.round(ms / 3_600_000)} h`);

/** Listens to a node's port for a moment, as the kit would, and counts what comes. Only while the kit is stopped. */
export async function probeSerialNode(node: SerialNodeConfig, listenMs: number): Promise<NodeEvidence> {
  const evidence: NodeEvidence = { goodLines: 0, rejected: {}, seconds: listenMs / 1000 };
  const port = new SerialPort({ path: node.path, baudRate: node.baudRate, autoOpen: false });
  try {
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  } catch (error) {
    return { ...evidence, error: (error as Error).message };
  }
  const lines = port.pipe(new ReadlineParser({ delimiter: '\n', encoding: 'latin1' }));
  lines.on('data', (line: string) => {
    const result = parseLine(line);
    if (!result.ok) {
      evidence.rejected[result.reason] = (evidence.rejected[result.reason] ?? 0) + 1;
      return;
    }
    evidence.goodLines++;
    const f = result.frame;
    if (f.type === 'hello') evidence.hello = { nodeId: f.nodeId, firmware: f.firmware, channels: f.channels.map((c) => c.id) };
  });
  port.on('error', () => {});
  await new Promise((r) => setTimeout(r, listenMs));
  await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
  return evidence;
}

const listPorts = () => (existsSync('/dev/serial/by-id') ? readdirSync('/dev/serial/by-id') : []);

/** Is a device file there, and is it the /dev/serial/by-id/… path that survives re-plugging? */
export function portPathCheck(id: string, title: Text, path: string, plugIn: Text): CheckResult {
  if (!existsSync(path)) {
    const plugged = listPorts();
    return check(
      id,
      'fail',
      title,
      text(`${path} がありません`, `${path} is missing`),
      text(
        `${plugIn.ja}。${plugged.length ? `今つながっているもの: ${plugged.join(', ')}（設定の path と比べてください）` : '今は USB シリアル機器が 1 つもありません'}`,
        `${plugIn.en}. ${plugged.length ? `Plugged in now: ${plugged.join(', ')} (compare with path in the kit file)` : 'No USB-serial device is plugged in now'}`,
      ),
    );
  }
  if (!path.startsWith('/dev/serial/by-id/')) {
    return check(
      id,
      'warn',
      title,
      text(`${path} はあります`, `${path} is there`),
      text(
        '抜き差しで変わらない /dev/serial/by-id/… を path に書いてください（minotake list-ports）',
        'use the /dev/serial/by-id/… path, which survives re-plugging (minotake list-ports)',
      ),
    );
  }
  return check(id, 'ok', title, text(`${path} はあります`, `${path} is there`));
}

export function serialPortCheck(node: SerialNodeConfig): CheckResult | undefined {
  if (node.simulator) return undefined;
  const title = text(`シリアルポート ${node.id}`, `Serial port ${node.id}`);
  return portPathCheck(`port:${node.id}`, title, node.path, text('ノードの USB ケーブルを挿してください', "plug in the node's USB cable"));
}

/** What to do about a port that would not open. */
export function portErrorAction(error: string): Text {
  if (/EACCES|permission/i.test(error))
    return text(
      'キットの利用者を dialout グループに入れてください: sudo usermod -aG dialout minotake',
      'add the kit user to the dialout group: sudo usermod -aG dialout minotake',
    );
  if (/EBUSY|lock/i.test(error))
    return text('ほかのプログラムがポートを使っています。止めてください', 'another program holds the port: stop it');
  return text('ケーブルを挿し直してください', 're-plug the cable');
}

/** The node speaks: good lines with valid checksums, its hello naming the id and channels the kit file expects. */
export function sensorNodeCheck(node: SerialNodeConfig, evidence: NodeEvidence, channelsUsed: string[], now: number): CheckResult {
  const id = `node:${node.id}`;
  const title = text(`センサノード ${node.id}`, `Sensor node ${node.id}`);
  const rejected = Object.values(evidence.rejected).reduce((a, b) => a + (b ?? 0), 0);
  const badSum = evidence.rejected.bad_checksum ?? 0;
  const silentS = evidence.lastLineAt === undefined ? 0 : Math.round((now - evidence.lastLineAt) / 1000);
  if (silentS > node.silentAfterSeconds) {
    return check(
      id,
      'fail',
      title,
      text(`${silentS} 秒間データがありません`, `no data for ${silentS} s`),
      text('ノードの電源と USB ケーブルを確認してください', "check the node's power and USB cable"),
    );
  }
  if (evidence.error) {
    return check(
      id,
      'fail',
      title,
      text(`ポートを開けません: ${evidence.error}`, `cannot open the port: ${evidence.error}`),
      portErrorAction(evidence.error),
    );
  }
  if (evidence.goodLines === 0) {
    return check(
      id,
      'fail',
      title,
      text(
        `${evidence.seconds} 秒間に正しい行がありません（不正 ${rejected} 行）`,
        `no good line in ${evidence.seconds} s (${rejected} rejected)`,
      ),
      rejected > 0
        ? text(`速度（baudRate ${node.baudRate}）とケーブルを確認してください`, `check the speed (baudRate ${node.baudRate}) and the cable`)
        : text('ノードの電源とファームウェアを確認してください（ノードの LED、書き込み）', "check the node's power and firmware"),
    );
  }
  const last = evidence.lastDisconnect;
  const since = last ? ago(now - last.at) : undefined;
  const counts = text(
    `正しい行 ${evidence.goodLines}、不正 ${rejected}（チェックサム誤り ${badSum}）` +
      (last && since ? `、切断 ${evidence.disconnects} 回（最後は ${since.ja}前: ${last.reason}）` : ''),
    `${evidence.goodLines} good lines, ${rejected} rejected (${badSum} bad checksums)` +
      (last && since
        ? `, disconnected ${evidence.disconnects} ${evidence.disconnects === 1 ? 'time' : 'times'} (last ${since.en} ago: ${last.reason})`
        : ''),
  );
  if (evidence.hello && evidence.hello.nodeId !== node.id) {
    return check(
      id,
      'warn',
      title,
      text(
        `ノードは自分を「${evidence.hello.nodeId}」と名乗っています（設定は ${node.id}）。${counts.ja}`,
        `the node calls itself "${evidence.hello.nodeId}" (the kit file says ${node.id}). ${counts.en}`,
      ),
      text('ケーブルの挿し違いか、設定の id を確認してください', 'check the cable or the id in the kit file'),
    );
  }
  const missing = evidence.hello ? channelsUsed.filter((c) => !evidence.hello?.channels.includes(c)) : [];
  if (missing.length > 0) {
    return check(
      id,
      'warn',
      title,
      text(
        `設定のチャンネル ${missing.join(', ')} をノードが持っていません。${counts.ja}`,
        `the node has no channel ${missing.join(', ')} that the kit file uses. ${counts.en}`,
      ),
      text('設備・計測区域の source.channel を確認してください', 'check source.channel of the machines and zones'),
    );
  }
  if ((evidence.disconnects ?? 0) >= DISCONNECTS_WORTH_A_LOOK) {
    return check(
      id,
      'warn',
      title,
      counts,
      text(
        'USB ケーブルの接触、電源不足（短いケーブルで Pi に直接、またはセルフパワーのハブ）、ノードのリセットを確認してください',
        'check for a loose USB cable, too little power (a short cable straight into the Pi, or a powered hub) and a node that resets',
      ),
    );
  }
  if (evidence.goodLines + rejected > 0 && rejected / (evidence.goodLines + rejected) > 0.01) {
    return check(
      id,
      'warn',
      title,
      counts,
      text(
        '雑音か接触不良です。ケーブルを短く、動力線から離してください',
        'noise or a loose contact: shorten the cable and keep it away from power lines',
      ),
    );
  }
  const hello = evidence.hello
    ? text(`hello: ${evidence.hello.nodeId} ${evidence.hello.firmware}。`, `hello: ${evidence.hello.nodeId} ${evidence.hello.firmware}. `)
    : text('hello はまだ見ていません（60 秒ごと）。', 'no hello seen yet (one every 60 s). ');
  return check(id, 'ok', title, text(`${hello.ja}${counts.ja}`, `${hello.en}${counts.en}`));
}

export function gpioCheck(inputs: GpioInputConfig[], sysfsRoot = DEFAULT_SYSFS_GPIO_ROOT): CheckResult | undefined {
  if (inputs.length === 0) return undefined;
  const title = text('GPIO 入力', 'GPIO inputs');
  try {
    const chip = findMainGpioChip(sysfsRoot);
    accessSync(`${sysfsRoot}/export`, constants.W_OK);
    return check(
      'gpio',
      'ok',
      title,
      text(
        `${chip.label}（base ${chip.base}）、ピン ${inputs.map((i) => i.pin).join(', ')}`,
        `${chip.label} (base ${chip.base}), pins ${inputs.map((i) => i.pin).join(', ')}`,
      ),
    );
  } catch (error) {
    const e = error as Error & { ja?: string; en?: string; code?: string };
    const access = e.code === 'EACCES' || e.code === 'EPERM' || /EACCES|EPERM/.test(e.message);
    return check(
      'gpio',
      'fail',
      title,
      text(e.ja ?? e.message, e.en ?? e.message),
      access
        ? text(
            'キットの利用者を gpio グループに入れてください: sudo usermod -aG gpio minotake',
            'add the kit user to the gpio group: sudo usermod -aG gpio minotake',
          )
        : text(
            'Raspberry Pi で動かしてください（GPIO はほかの機械にはありません）',
            'run the kit on a Raspberry Pi (other machines have no GPIO header)',
          ),
    );
  }
}
