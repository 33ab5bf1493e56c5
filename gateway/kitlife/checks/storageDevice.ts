/** Disk space and the wear figures of the card or chip that holds the data folder (SD cards wear out on a Pi). */
import { existsSync, readFileSync, realpathSync, statfsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { text } from '../text.js';
import { type CheckResult, check } from './types.js';

const GB = 1024 ** 3;
const gb = (bytes: number) => (bytes / GB).toFixed(1);

export function diskCheck(dataDir: string): CheckResult {
  const title = text('空き容量', 'Disk space');
  let dir = dataDir;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const s = statfsSync(dir);
  const free = s.bavail * s.bsize;
  const total = s.blocks * s.bsize;
  const detail = text(`${dir}: 空き ${gb(free)} GB / ${gb(total)} GB`, `${dir}: ${gb(free)} GB free of ${gb(total)} GB`);
  // A month of 8 machines at 1 Hz is about 1 GB in InfluxDB, spool and downsampled data together.
  if (free < 0.2 * GB)
    return check(
      'disk',
      'fail',
      title,
      detail,
      text('不要なファイルを消すか、大きなカードに替えてください', 'free some space or use a larger card'),
    );
  if (free < GB || free < total * 0.1)
    return check(
      'disk',
      'warn',
      title,
      detail,
      text('4 週間の貸出には 1 GB 以上の空きが必要です', 'a four-week loan needs at least 1 GB free'),
    );
  return check('disk', 'ok', title, detail);
}

/** The whole-disk sysfs folder (mmcblk0, sda) of the device a path is on, if sysfs knows it. */
export function blockDeviceOf(path: string, sysRoot = '/sys'): string | undefined {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const dev = statSync(dir).dev;
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00);
  const link = join(sysRoot, 'dev', 'block', `${major}:${minor}`);
  if (!existsSync(link)) return undefined;
  const real = realpathSync(link);
  return existsSync(join(real, 'partition')) ? dirname(real) : real;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * eMMC (and some industrial SD cards) report wear in device/life_time (two estimates, 0x01 = 0–10 % used … 0x0B =
 * beyond its life) and device/pre_eol_info (0x01 normal, 0x02 warning, 0x03 urgent). Ordinary SD cards report
 * neither: then the bytes written since boot are the one figure there is.
 */
export function wearCheck(device: string | undefined): CheckResult {
  const title = text('SD カードの消耗', 'SD card wear');
  if (!device) {
    return check(
      'wear',
      'info',
      title,
      text('データの置き場所の装置が分からないため、消耗度は取得できません', 'not available: the device holding the data is unknown'),
    );
  }
  const name = device.split('/').pop() ?? device;
  const sectors = Number(read(join(device, 'stat'))?.split(/\s+/)[6]);
  const written = Number.isFinite(sectors)
    ? text(`起動後の書き込み ${gb(sectors * 512)} GB`, `${gb(sectors * 512)} GB written since boot`)
    : text('', '');
  const lifeTime = read(join(device, 'device', 'life_time'));
  const preEol = read(join(device, 'device', 'pre_eol_info'));
  if (!lifeTime && !preEol) {
    return check(
      'wear',
      'info',
      title,
      text(
        `${name}: 消耗度は取得できません（この装置は報告しません）。${written.ja}`,
        `${name}: not available (this device does not report it). ${written.en}`,
      ),
    );
  }
  const used = (lifeTime ?? '')
    .split(/\s+/)
    .map((v) => Number.parseInt(v, 16))
    .filter((v) => Number.isFinite(v) && v > 0);
  const worst = used.length > 0 ? Math.max(...used) : 0;
  const eol = preEol ? Number.parseInt(preEol, 16) : 1;
  const usedText = worst
    ? text(`寿命の ${Math.min(worst * 10, 100)} % まで使用`, `up to ${Math.min(worst * 10, 100)} % of its life used`)
    : text('', '');
  const detail = text(
    `${name}: ${usedText.ja}（pre_eol ${preEol ?? '-'}）。${written.ja}`,
    `${name}: ${usedText.en} (pre_eol ${preEol ?? '-'}). ${written.en}`,
  );
  const replace = text('次の貸出の前にカードを交換してください', 'replace the card before the next loan');
  if (eol >= 3 || worst >= 10) return check('wear', 'fail', title, detail, replace);
  if (eol === 2 || worst >= 8) return check('wear', 'warn', title, detail, replace);
  return check('wear', 'ok', title, detail);
}
