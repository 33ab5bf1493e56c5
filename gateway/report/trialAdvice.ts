/**
 * Improvement candidates drawn from the trial's figures: each one names the machine or zone, the number behind it and a
 * first step a small factory can take. Rules of thumb, not a diagnosis: the report says so. Pure.
 */

import { countText } from '../countText.js';
import type { ReportLang } from './layout.js';
import type { TrialFigures } from './trialFigures.js';

export interface Candidate {
  /** Higher first: what is worth most or is a legal duty. */
  weight: number;
  text: Record<ReportLang, string>;
}

const HOUR = 3_600_000;
const pct = (ratio: number) => `${Math.round(ratio * 100)} %`;
const hours = (ms: number) => (ms / HOUR).toFixed(1);
const yen = countText;

/** Thresholds at which a figure is worth a line: a trial of a few weeks, a small shop. */
const IDLE_SHARE = 0.2;
const LOW_UTILIZATION = 0.4;
const LONG_STOP_MS = 60 * 60_000;
const IDLE_OUTSIDE_KWH = 5;
const SHIFT_GAP = 0.15;
const SLOW_ACK_MS = 15 * 60_000;
const LOW_COVERAGE = 0.9;
/** Most of the planned time without a signal: no figure of this machine can be trusted, and that comes first. */
const SILENT_SHARE = 0.5;

export function improvementCandidates(f: TrialFigures): Candidate[] {
  const out: Candidate[] = [];
  for (const z of f.zones) {
    const name = { ja: z.config.name, en: z.config.nameEn ?? z.config.name };
    const legalWork = Math.max(z.legal.wbgtWorkMinutes, z.legal.airWorkMinutes);
    if (legalWork > 0) {
      out.push({
        weight: 100 + legalWork,
        text: {
          ja: `【熱中症対策・法定】${name.ja}：作業時間中に暑さ指数 28 以上または気温 31 °C 以上が ${hours(legalWork * 60_000)} 時間ありました。2025 年 6 月からの義務（報告体制の整備、作業からの離脱・身体冷却などの手順、関係者への周知）を確認し、送風機・スポットクーラー、休憩と水分・塩分補給の時刻を決めてください。`,
          en: `[Heat stroke, legal duty] ${name.en}: ${hours(legalWork * 60_000)} h of working time at WBGT 28 or above or air 31 °C or above. Check the duties in force since June 2025 (a reporting line, procedures to stop work and cool a worker, telling everyone), and plan fans or spot coolers and fixed times for breaks, water and salt.`,
        },
      });
    }
    const outside = z.humidity.belowMinutes + z.humidity.aboveMinutes;
    if (z.minutes > 0 && outside / z.minutes >= 0.1) {
      const dry = z.humidity.belowMinutes >= z.humidity.aboveMinutes;
      out.push({
        weight: 20 + (outside / z.minutes) * 10,
        text: {
          ja: `${name.ja}：湿度が ${z.config.humidityRange.min}〜${z.config.humidityRange.max} %RH の範囲外だった時間が記録の ${pct(outside / z.minutes)}（主に${dry ? '乾燥' : '高湿'}）。${dry ? '静電気や材料の乾燥割れ' : '結露・錆・吸湿'}が品質に響く製品があれば、${dry ? '加湿' : '除湿・換気'}を検討してください。`,
          en: `${name.en}: humidity outside ${z.config.humidityRange.min}–${z.config.humidityRange.max} %RH for ${pct(outside / z.minutes)} of the recorded time (mostly ${dry ? 'too dry' : 'too humid'}). Where ${dry ? 'static or drying cracks' : 'condensation, rust or moisture uptake'} affect quality, consider ${dry ? 'humidifying' : 'dehumidifying or ventilating'}.`,
        },
      });
    }
  }
  for (const m of f.machines) {
    const name = { ja: m.config.name, en: m.config.nameEn ?? m.config.name };
    const { utilization, idleShare } = m.totals;
    const e = m.energy;
    if (idleShare !== null && idleShare >= IDLE_SHARE) {
      const money =
        e && e.kwh.idle > 0
          ? {
              ja: `（待機中の推定電力 ${countText(e.kwh.idle)} kWh・約 ${yen(e.yen.idle)} 円）`,
              en: ` (estimated ${countText(e.kwh.idle)} kWh, about ¥${yen(e.yen.idle)}, while idling)`,
            }
          : { ja: '', en: '' };
      out.push({
        weight: 50 + idleShare * 100,
        text: {
          ja: `${name.ja}：計画時間の ${pct(idleShare)} が待機でした${money.ja}。段取り・材料や図面の待ち・検査待ちのどれが多いか、停止理由を現場で数日記録すると、段取りの外段取り化や材料の事前準備の効果が見積もれます。`,
          en: `${name.en}: idle for ${pct(idleShare)} of the planned time${money.en}. A few days of stop reasons noted on the floor (set-up, waiting for material or drawings, inspection) show whether external set-up or staging material first would pay.`,
        },
      });
    }
    const seen = m.totals.plannedMs - m.totals.noDataMs;
    const silentShare = seen > 0 ? m.totals.unknownMs / seen : 0;
    if (silentShare >= SILENT_SHARE) {
      out.push({
        weight: 55 + silentShare * 10,
        text: {
          ja: `${name.ja}：計画時間の ${pct(silentShare)} はセンサーから信号がありませんでした（無信号）。この設備の稼働率は確かではありません。配線・センサー・電力量計の設定を確認してください。`,
          en: `${name.en}: no signal from its sensor for ${pct(silentShare)} of the planned time, so its utilization is not reliable. Check the wiring, the sensor or the meter's settings.`,
        },
      });
    } else if (utilization !== null && utilization < LOW_UTILIZATION) {
      out.push({
        weight: 40 + (LOW_UTILIZATION - utilization) * 100,
        text: {
          ja: `${name.ja}：稼働率 ${pct(utilization)}。仕事量に対して設備に余裕があります。他の設備の仕事の振り替えや、更新・増設の前に稼働の集約を検討できます。`,
          en: `${name.en}: utilization ${pct(utilization)}. The machine has spare capacity for the work it gets: work could move here from others, or be consolidated before any new machine is bought.`,
        },
      });
    }
    const longest = m.longestStops[0];
    if (longest && longest.plannedMs >= LONG_STOP_MS) {
      out.push({
        weight: 30 + longest.plannedMs / HOUR,
        text: {
          ja: `${name.ja}：計画時間中の停止が最長 ${hours(longest.plannedMs)} 時間ありました。故障・段取り・人手不足のどれだったかを記録し、故障なら予防保全（点検周期・予備品）を検討してください。`,
          en: `${name.en}: the longest stop in planned time lasted ${hours(longest.plannedMs)} h. Note whether it was a breakdown, a set-up or no operator; for breakdowns, consider preventive maintenance (inspection intervals, spare parts).`,
        },
      });
    }
    if (e && e.idleOutsidePlannedKwh >= IDLE_OUTSIDE_KWH) {
      out.push({
        weight: 35 + e.idleOutsidePlannedKwh / 10,
        text: {
          ja: `${name.ja}：休憩・終業後などの計画時間外に待機のまま電力を使っていました（推定 ${countText(e.idleOutsidePlannedKwh)} kWh・約 ${yen(e.idleOutsidePlannedKwh * f.tariffYenPerKwh)} 円）。終業時・昼休みの電源断（油圧ポンプ・主電源）の手順を決めると削減できます。`,
          en: `${name.en}: idling outside planned time (breaks, after hours) used an estimated ${countText(e.idleOutsidePlannedKwh)} kWh (about ¥${yen(e.idleOutsidePlannedKwh * f.tariffYenPerKwh)}). A switch-off routine at lunch and at the end of the day (hydraulic pump, main power) would save it.`,
        },
      });
    }
    const byShift = new Map<string, { run: number; seen: number }>();
    for (const r of m.shifts) {
      const s = byShift.get(r.shift ?? '') ?? { run: 0, seen: 0 };
      s.run += r.runMs;
      s.seen += r.plannedMs - r.noDataMs;
      byShift.set(r.shift ?? '', s);
    }
    const shiftName = (id: string) => f.config.calendar.shifts.find((s) => s.id === id);
    const rates = [...byShift.entries()]
      .filter(([, s]) => s.seen > 0)
      .map(([id, s]) => ({ ja: shiftName(id)?.name ?? id, en: shiftName(id)?.nameEn ?? shiftName(id)?.name ?? id, rate: s.run / s.seen }));
    if (rates.length >= 2) {
      rates.sort((a, b) => a.rate - b.rate);
      const low = rates[0] as (typeof rates)[number];
      const high = rates[rates.length - 1] as (typeof rates)[number];
      if (high.rate - low.rate >= SHIFT_GAP) {
        out.push({
          weight: 25 + (high.rate - low.rate) * 100,
          text: {
            ja: `${name.ja}：シフトによって稼働率が ${pct(low.rate)}（${low.ja}）から ${pct(high.rate)}（${high.ja}）まで違います。人員配置や引き継ぎ、段取りのタイミングを比べてみてください。`,
            en: `${name.en}: utilization differs between shifts, from ${pct(low.rate)} (${low.en}) to ${pct(high.rate)} (${high.en}). Compare staffing, hand-over and when set-ups happen.`,
          },
        });
      }
    }
  }
  if (f.alarms.medianAckMs !== null && f.alarms.medianAckMs >= SLOW_ACK_MS) {
    out.push({
      weight: 30,
      text: {
        ja: `アラームの確認までに中央値で ${Math.round(f.alarms.medianAckMs / 60_000)} 分かかっていました。通知先（スマートフォン・LINE・メール）や担当者、タブレットの置き場所を見直すと対応が早まります。`,
        en: `Alarms took a median ${Math.round(f.alarms.medianAckMs / 60_000)} min to be acknowledged. Revisit who is notified and how (phone, LINE, e-mail), and where the tablet hangs.`,
      },
    });
  }
  const coverage = f.coverage.rangeMs > 0 ? f.coverage.coveredMs / f.coverage.rangeMs : 1;
  if (coverage < LOW_COVERAGE) {
    out.push({
      weight: 60,
      text: {
        ja: `期間の ${pct(1 - coverage)} はデータがありません（キットの電源が切れていた・設置前など）。本格導入では無停電の電源と、データが途切れたときの通知を用意してください。`,
        en: `${pct(1 - coverage)} of the period has no data (the kit was off, or not yet installed). For a permanent installation, give the kit uninterrupted power and an alert when data stops.`,
      },
    });
  }
  return out.sort((a, b) => b.weight - a.weight);
}
