// The dataset and purpose an analysis reads (the purpose is part of every governed read), and the
// refusal shown when policy or a missing grant stops it, with the way to ask for access.

import { Alert, Form, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ApiError } from '../../api/client';
import type { FormRules } from '../../api/useFormRules';
import { ErrorState } from '../../app/errors';
import { useWorkspace } from '../../app/useWorkspace';

/** `rules`: the form's rules from the server's schema (useFormRules). */
export function DatasetPurposeFields({
  dataset,
  rules,
  name = 'dataset',
}: {
  dataset: string | undefined;
  rules: FormRules['rules'];
  name?: string;
}) {
  const { t } = useTranslation();
  const workspace = useWorkspace();
  const datasets = workspace.data?.datasets ?? [];
  const purposes = [...new Set(datasets.flatMap((d) => (dataset && d.name !== dataset ? [] : d.purposes)))];
  return (
    <>
      <Form.Item name={name} label={t('analytics.dataset')} rules={rules(name)}>
        <Select
          aria-label={t('analytics.dataset')}
          style={{ width: 220 }}
          options={datasets.map((d) => ({ label: d.name, value: d.name }))}
        />
      </Form.Item>
      <Form.Item name="purpose" label={t('analytics.purpose')} rules={rules('purpose')}>
        <Select
          aria-label={t('analytics.purpose')}
          style={{ width: 200 }}
          disabled={!dataset}
          options={purposes.map((p) => ({ label: p, value: p }))}
        />
      </Form.Item>
    </>
  );
}

export function AnalysisRefusal({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (
    error instanceof ApiError &&
    ['approval_required', 'no_policy', 'grant_expired', 'purpose_not_allowed'].includes(error.code)
  )
    return (
      <Alert
        type="warning"
        showIcon
        title={error.message}
        description={<Link to="/access/requests">{t('analytics.askAccess')}</Link>}
      />
    );
  return <ErrorState error={error} />;
}

/** A number for a table cell; suppressed (k-anonymity) cells say so. */
export function cellText(value: number | null | undefined, suppressed: string, digits = 0): string {
  if (value === null || value === undefined) return suppressed;
  return value.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
