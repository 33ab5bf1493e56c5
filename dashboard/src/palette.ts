/** Colours for canvas and SVG drawing; styles.css carries the same values as custom properties for HTML. */
import type { MachineState, WbgtLevel } from './types';

/** Andon colours: 稼働 green, 待機 yellow, 停止 red, 異常停止 crimson (with its own icon and hazard stripes), 無信号 grey. */
export const STATE_COLOR: Record<MachineState, string> = {
  RUN: '#15803d',
  IDLE: '#f2c200',
  OFF: '#d0211b',
  FAULT: '#9d174d',
  UNKNOWN: '#6b7280',
};

/** The Japanese Society of Biometeorology's level colours as the Ministry of the Environment's heat-stroke site shows them. */
export const WBGT_COLOR: Record<WbgtLevel, string> = {
  safe: '#218cff',
  caution: '#a0d2ff',
  warning: '#faf500',
  severe: '#ff9600',
  danger: '#ff2800',
};

/** Lower bound of each level (°C WBGT). */
export const WBGT_FROM: Record<WbgtLevel, number> = { safe: -Infinity, caution: 21, warning: 25, severe: 28, danger: 31 };
export const WBGT_LEVELS: readonly WbgtLevel[] = ['safe', 'caution', 'warning', 'severe', 'danger'];

/** 労働安全衛生規則 第612条の2 (from 2025-06-01): WBGT 28 or air temperature 31 °C. */
export const LEGAL_WBGT_C = 28;
export const LEGAL_AIR_C = 31;

export const INK = '#111827';
export const GRID = '#d1d5db';
