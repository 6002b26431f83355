import { Alert, Button } from 'antd';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';

/** What went wrong and what to do, for a failed API call (the server's message is already localised). */
export function errorText(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    if (error.code === 'network') return t('error.network');
    if (error.status === 403) return t('error.forbidden');
    return error.message || t('error.generic');
  }
  return t('error.generic');
}

/** The error state of a section: the message and a retry button. */
export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert
      type="error"
      showIcon
      title={errorText(error, t)}
      action={
        retry && (
          <Button size="small" onClick={retry}>
            {t('action.retry')}
          </Button>
        )
      }
    />
  );
}
