/** Indoor WBGT (暑さ指数) estimated from air temperature and relative humidity, and its guideline level. Pure. */

export type WbgtLevel = 'safe' | 'caution' | 'warning' | 'severe' | 'danger';

export const WBGT_LEVEL_LABELS: Record<WbgtLevel, { ja: string; en: string }> = {
  safe: { ja: 'ほぼ安全', en: 'Almost safe' },
  caution: { ja: '注意', en: 'Caution' },
  warning: { ja: '警戒', en: 'Warning' },
  severe: { ja: '厳重警戒', en: 'Severe warning' },
  danger: { ja: '危険', en: 'Danger' },
};

/** WBGT and air temperature at which 労働安全衛生規則 第612条の2 (from 2025-06-01) requires the employer to act. */
export const LEGAL_WBGT_C = 28;
export const LEGAL_AIR_C = 31;

/**
 * Ono & Tonouchi (2014) regression with no solar radiation and low wind, the indoor case:
 * WBGT = 0.735·Ta + 0.0374·RH + 0.00292·Ta·RH − 4.064. Fitted for roughly 15–40 °C; outside that
 * range, or near a heat source (a furnace, a welding booth), only a globe thermometer is reliable.
 */
export function estimateWbgt(temperatureC: number, humidityPct: number): number {
  const wbgt = 0.735 * temperatureC + 0.0374 * humidityPct + 0.00292 * temperatureC * humidityPct - 4.064;
  return Math.round(wbgt * 10) / 10;
}

/** The Japanese Society of Biometeorology's daily-life guideline bands (21 / 25 / 28 / 31). */
export function wbgtLevel(wbgtC: number): WbgtLevel {
  if (wbgtC >= 31) return 'danger';
  if (wbgtC >= 28) return 'severe';
  if (wbgtC >= 25) return 'warning';
  if (wbgtC >= 21) return 'caution';
  return 'safe';
}

export interface HeatAssessment {
  wbgtC: number;
  level: WbgtLevel;
  /** True when the legal duty to act applies: WBGT ≥ 28 or air temperature ≥ 31 °C on its own. */
  legalThreshold: boolean;
}

export function assessHeat(temperatureC: number, humidityPct: number): HeatAssessment {
  const wbgtC = estimateWbgt(temperatureC, humidityPct);
  return { wbgtC, level: wbgtLevel(wbgtC), legalThreshold: wbgtC >= LEGAL_WBGT_C || temperatureC >= LEGAL_AIR_C };
}
