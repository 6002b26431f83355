import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';

const COLOURS: Record<string, string> = {
  queued: 'default',
  running: 'processing',
  succeeded: 'success',
  failed: 'error',
  blocked: 'warning',
  abandoned: 'default',
};

/** A run's status as a coloured tag, in the user's language. */
export function RunStatus({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Tag color={COLOURS[status] ?? 'default'}>{t(`runStatus.${status}`, { defaultValue: status })}</Tag>;
}
