/** The chosen language (Japanese by default, then the kit's locale, then the user's remembered switch) and the `t` lookup. */
import { ApiError } from '../api';
import { createStore, useStore } from '../store';
import { en } from './en';
import { ja, type MessageKey } from './ja';

export type Lang = 'ja' | 'en';
export type { MessageKey };
export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

const dictionaries: Record<Lang, Record<MessageKey, string>> = { ja, en };
const STORAGE_KEY = 'minotake.lang';

function remembered(): Lang | null {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === 'ja' || value === 'en' ? value : null;
  } catch {
    // Private browsing or a locked-down kiosk browser: fall back to the default every time.
    return null;
  }
}

export const langStore = createStore<Lang>(remembered() ?? 'ja');

function apply(lang: Lang): void {
  document.documentElement.lang = lang;
  langStore.set(lang);
}
apply(langStore.get());

/** The user's switch: remembered on this device. */
export function chooseLang(lang: Lang): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {}
  apply(lang);
}

/** The kit's configured locale applies until the user has chosen one on this device. */
export function adoptKitLocale(lang: Lang): void {
  if (remembered() === null) apply(lang);
}

export function translate(lang: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  const text = dictionaries[lang][key];
  return vars ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole)) : text;
}

export interface I18n {
  lang: Lang;
  t: Translate;
  /** A configured thing's name in the chosen language (machines, zones, shifts carry an optional nameEn). */
  name: (thing: { name: string; nameEn?: string | undefined }) => string;
}

export function useI18n(): I18n {
  const lang = useStore(langStore);
  return {
    lang,
    t: (key, vars) => translate(lang, key, vars),
    name: (thing) => (lang === 'en' && thing.nameEn ? thing.nameEn : thing.name),
  };
}

/** An API error in the chosen language: the gateway's own bilingual message when it sent one, else the given fallback. */
export function errorText(error: unknown, lang: Lang, t: Translate, fallback: MessageKey): string {
  if (!(error instanceof ApiError)) return t(fallback);
  if (error.status === 0) return t('login.network');
  // A body without a stable code (a proxy's error page) has nothing worth showing.
  if (error.code.startsWith('HTTP_')) return t(fallback);
  return lang === 'ja' ? (error.messageJa ?? error.message) : error.message;
}
