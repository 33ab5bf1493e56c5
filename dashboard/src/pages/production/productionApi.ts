/** The production API as the pages use it: its types (type imports only), reason names and the writes. */
import type {
  BoardBody,
  CountsBody,
  OeeBody,
  ParetoBody,
  ProductionNowBody,
  ProductionSettingsBody,
  ReasonLogBody,
  ReasonRequestBody,
  RejectSavedBody,
  StopBody,
  StopListBody,
} from '../../../../gateway/production/schemas';
import { api } from '../../api';
import { formatCount } from '../../format';
import { useFetched } from '../../hooks';
import type { Lang, Translate } from '../../i18n';

export type Settings = ProductionSettingsBody;
export type Reason = ProductionSettingsBody['reasons'][number];
export type Stop = StopBody;
export type StopList = StopListBody;
export type ProductionNow = ProductionNowBody;
export type Board = BoardBody;
export type BoardRow = BoardBody['rows'][number];
export type Counts = CountsBody;
export type Oee = OeeBody;
export type OeeRow = OeeBody['rows'][number];
export type Pareto = ParetoBody;
export type ReasonLog = ReasonLogBody;

/** Pareto categories besides the configured reasons (gateway/production/stops.ts). */
export const NO_REASON = '_none';
export const SHORT_STOP = '_short';
export const NOT_ASKED = '_unasked';

/** A reason id in words: the configured name, or "no reason yet" / "short stop". */
export function reasonName(settings: Settings | null, id: string | null, lang: Lang, t: Translate): string {
  if (id === null || id === NO_REASON) return t('prod.reason.none');
  if (id === SHORT_STOP) return t('prod.reason.short');
  if (id === NOT_ASKED) return t('prod.reason.unasked');
  const reason = settings?.reasons.find((r) => r.id === id);
  if (!reason) return id;
  return lang === 'en' && reason.nameEn ? reason.nameEn : reason.name;
}

/** A colour per reason, the same on every chart; "no reason" stands out in red, short stops are grey, stops not asked about light grey. */
const REASON_COLORS = ['#1d4ed8', '#b45309', '#7c3aed', '#0f766e', '#be185d', '#4d7c0f', '#0369a1', '#a16207'];
export function reasonColor(settings: Settings | null, id: string): string {
  if (id === NO_REASON) return '#d0211b';
  if (id === SHORT_STOP) return '#9ca3af';
  if (id === NOT_ASKED) return '#d1d5db';
  const index = settings?.reasons.findIndex((r) => r.id === id) ?? -1;
  return REASON_COLORS[Math.max(0, index) % REASON_COLORS.length] as string;
}

export const useSettings = () => useFetched<Settings>('api/production/settings');

export const saveReason = (body: ReasonRequestBody) => api.post<StopBody>('api/production/stops/reason', body);
export const saveRejects = (body: { machine: string; hourFrom: number; count: number }) =>
  api.post<RejectSavedBody>('api/production/rejects', body);
export const saveReasonList = (reasons: Reason[]) => api.put<Settings>('api/production/reasons', { reasons });

/** Whole minutes; a stop shorter than a minute reads "<1", not a stop of 0 minutes. */
/** Whole minutes as a person reads them ("<1", "45", "1,320" for a month of stops). */
export const minutesOf = (ms: number, lang: Lang) => (ms > 0 && ms < 60_000 ? '<1' : formatCount(Math.round(ms / 60_000), lang));
