/** One button to switch Japanese ⇄ English, remembered on this device. */
import { chooseLang, useI18n } from '../i18n';

export function LanguageSwitch() {
  const { lang, t } = useI18n();
  const other = lang === 'ja' ? 'en' : 'ja';
  return (
    <button
      type="button"
      class="lang-switch"
      data-testid="lang-switch"
      lang={other}
      aria-label={t('lang.switchLabel')}
      onClick={() => chooseLang(other)}
    >
      {t('lang.switchTo')}
    </button>
  );
}
