// Attestations of the `attested` controls: who vouched for what, when, where the evidence is kept
// and until when (expired ones marked). Read-only here; officers attest with the API or the CLI.

import { useQuery } from '@tanstack/react-query';
import { Empty, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { type Attestation, endpoints } from '../../api/endpoints';
import { ErrorState } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';

export default function AttestationsTab() {
  const { t } = useTranslation();
  const attestations = useQuery({
    queryKey: ['compliance', 'attestations'],
    queryFn: () => call(endpoints.complianceAttestations),
  });
  if (attestations.isError)
    return <ErrorState error={attestations.error} retry={() => void attestations.refetch()} />;
  return (
    <Table<Attestation>
      rowKey="id"
      size="small"
      loading={attestations.isPending}
      dataSource={attestations.data?.attestations ?? []}
      pagination={{ pageSize: 20 }}
      locale={{ emptyText: <Empty description={t('compliance.attestations.empty')} /> }}
      columns={[
        {
          title: t('compliance.control'),
          dataIndex: 'controlId',
          render: (id: string) => <Typography.Text code>{id}</Typography.Text>,
        },
        { title: t('compliance.attestations.statement'), dataIndex: 'statement' },
        { title: t('compliance.attestations.by'), dataIndex: 'attestedBy' },
        {
          title: t('compliance.attestations.at'),
          dataIndex: 'attestedAt',
          render: (at: string) => formatDateTime(at),
        },
        {
          title: t('compliance.attestations.evidence'),
          dataIndex: 'evidenceRef',
          render: (ref: string | null) => ref ?? '—',
        },
        {
          title: t('compliance.attestations.validUntil'),
          render: (_, a) => (
            <>
              {a.validUntil} {a.isExpired && <Tag color="red">{t('compliance.attestations.expired')}</Tag>}
            </>
          ),
        },
      ]}
    />
  );
}
