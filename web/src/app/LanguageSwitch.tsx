import { Segmented } from 'antd';
import { useTranslation } from 'react-i18next';
import { type Language, setLanguage } from './i18n';

/** 中文 / English: the whole console switches at once and remembers the choice. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <Segmented<Language>
      aria-label={t('language.label')}
      size="small"
      value={i18n.language === 'en' ? 'en' : 'zh-CN'}
      onChange={setLanguage}
      options={[
        { label: t('language.zh-CN'), value: 'zh-CN' },
        { label: t('language.en'), value: 'en' },
      ]}
    />
  );
}
