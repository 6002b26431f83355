// One catalogue per language; `translate` fills `{name}` placeholders. zh-CN is the default.

import { en, type MessageKey } from './en.js';
import { zhCN } from './zh-CN.js';

export type Locale = 'zh-CN' | 'en';
export type { MessageKey };

const catalogues: Record<Locale, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

export function translate(
  locale: Locale,
  key: MessageKey,
  params: Record<string, string | number> = {},
): string {
  const template = catalogues[locale][key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Picks a locale from an explicit choice, then LANG-style or Accept-Language values. */
export function resolveLocale(...candidates: Array<string | undefined>): Locale {
  for (const candidate of candidates) {
    if (!candidate) continue;
    const lower = candidate.toLowerCase();
    if (lower.startsWith('en')) return 'en';
    if (lower.startsWith('zh')) return 'zh-CN';
  }
  return 'zh-CN';
}
