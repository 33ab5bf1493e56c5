/** What a person reads about an alarm, in Japanese and English: the target by its configured name, the value and the limit. */
import type { Bilingual, RuleInstance } from './rules.js';

const METRIC: Record<string, { ja: string; en: string; unit: string; unitEn: string }> = {
  wbgt: { ja: 'WBGT', en: 'WBGT', unit: '℃', unitEn: '°C' },
  temperature: { ja: '気温', en: 'air temperature', unit: '℃', unitEn: '°C' },
  humidity: { ja: '湿度', en: 'humidity', unit: '%', unitEn: '%' },
  current: { ja: '電流', en: 'current', unit: 'A', unitEn: 'A' },
  power: { ja: '電力', en: 'power', unit: 'W', unitEn: 'W' },
  silent: { ja: 'データなし', en: 'no data for', unit: '秒', unitEn: 's' },
  stoppedTooLong: { ja: '停止', en: 'stopped for', unit: '分', unitEn: 'min' },
  runningOffShift: { ja: '時間外稼働', en: 'running off shift for', unit: '分', unitEn: 'min' },
  sensorError: { ja: 'センサー異常', en: 'sensor fault', unit: '', unitEn: '' },
  machineFault: { ja: '異常停止', en: 'stopped with a fault for', unit: '分', unitEn: 'min' },
  behindPlan: { ja: '計画遅れ', en: 'behind plan by', unit: '個', unitEn: 'parts' },
  reasonMissing: { ja: '停止理由の未入力', en: 'stop reason missing for', unit: '分', unitEn: 'min' },
};

/** One decimal at most: 28.4, 28, 0.5. */
export const formatNumber = (v: number) => String(Math.round(v * 10) / 10);

/**
 * "第1工場 WBGT 28.4 ℃ ≥ 28（厳重警戒）" / "Plant 1 WBGT 28.4 °C ≥ 28 (severe warning)". A null value (cleared for want of a rule)
 * leaves the value out. A sensor fault names the node's error code instead: "第1工場 センサー異常 I2C_NACK".
 */
export function alarmMessage(rule: RuleInstance, value: number | null, code?: string): Bilingual {
  const m = METRIC[rule.kind === 'limit' ? rule.metric : rule.kind] as (typeof METRIC)[string];
  // No value and no limit: the sensor's readings cannot be trusted; the code says what the node saw (docs/protocol.md).
  // "第1工場 センサー異常（センサー異常）" would say it twice.
  if (rule.kind === 'sensorError') {
    const what = { ja: code ? `${m.ja} ${code}` : m.ja, en: code ? `${m.en} ${code}` : m.en };
    return rule.label.ja === m.ja
      ? { ja: `${rule.targetName.ja} ${what.ja}`, en: `${rule.targetName.en} ${what.en}` }
      : { ja: `${rule.targetName.ja} ${what.ja}（${rule.label.ja}）`, en: `${rule.targetName.en} ${what.en} (${rule.label.en})` };
  }
  // A fault raised at once has no duration worth saying: "プレス1 異常停止".
  if (rule.kind === 'machineFault' && rule.afterMs === 0) {
    const en = 'stopped with a fault';
    return rule.label.ja === m.ja
      ? { ja: `${rule.targetName.ja} ${m.ja}`, en: `${rule.targetName.en} ${en}` }
      : { ja: `${rule.targetName.ja} ${m.ja}（${rule.label.ja}）`, en: `${rule.targetName.en} ${en} (${rule.label.en})` };
  }
  let limit: string;
  if (rule.kind === 'limit') {
    limit = rule.above !== undefined ? `≥ ${formatNumber(rule.above)}` : `≤ ${formatNumber(rule.below as number)}`;
  } else if (rule.kind === 'behindPlan') {
    limit = `> ${formatNumber(rule.parts)}`;
  } else {
    const after = rule.kind === 'silent' ? rule.afterMs / 1000 : rule.afterMs / 60_000;
    limit = `≥ ${formatNumber(after)}`;
  }
  const unitJa = m.unit === '%' ? '%' : ` ${m.unit}`;
  const unitEn = m.unitEn === '%' ? '%' : ` ${m.unitEn}`;
  // The limit carries the unit only for the time rules, where "≥ 30" alone would not say minutes or seconds.
  const limitJa = rule.kind === 'limit' ? limit : `${limit}${unitJa}`;
  const limitEn = rule.kind === 'limit' ? limit : `${limit}${unitEn}`;
  const valueJa = value === null ? '' : ` ${formatNumber(value)}${unitJa}`;
  const valueEn = value === null ? '' : ` ${formatNumber(value)}${unitEn}`;
  return {
    ja: `${rule.targetName.ja} ${m.ja}${valueJa} ${limitJa}（${rule.label.ja}）`,
    en: `${rule.targetName.en} ${m.en}${valueEn} ${limitEn} (${rule.label.en})`,
  };
}
