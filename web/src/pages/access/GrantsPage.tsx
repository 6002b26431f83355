// Grants made by approved requests: who may read which datasets for which purpose until when;
// compliance officers and admins may revoke one.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Empty, Popconfirm, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { allows, endpoints, type Grant } from '../../api/endpoints';
import { ErrorState, errorText } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';
import { useSession } from '../../app/session';

const COLOURS = { active: 'green', expired: 'default', revoked: 'red' } as const;

export default function GrantsPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const grants = useQuery({ queryKey: ['grants'], queryFn: () => call(endpoints.grants) });
  const revoke = useMutation({
    mutationFn: (id: string) => call(endpoints.revokeGrant, { params: { id } }),
    onSuccess: () => {
      void message.success(t('grants.revoked'));
      void queryClient.invalidateQueries({ queryKey: ['grants'] });
    },
    onError: (error) => void message.error(errorText(error, t)),
  });
  const canRevoke = allows(endpoints.revokeGrant, user?.role);
  return (
    <>
      <Typography.Title level={3}>{t('nav.grants')}</Typography.Title>
      <Card>
        {grants.isError ? (
          <ErrorState error={grants.error} retry={() => void grants.refetch()} />
        ) : (
          <Table<Grant>
            rowKey="id"
            size="middle"
            loading={grants.isPending}
            dataSource={grants.data?.grants ?? []}
            pagination={{ pageSize: 20, showSizeChanger: false }}
            locale={{ emptyText: <Empty description={t('grants.empty')} /> }}
            columns={[
              { title: t('grants.grantee'), dataIndex: 'grantee' },
              {
                title: t('requests.datasets'),
                dataIndex: 'datasets',
                render: (d: string[]) => d.map((n) => <Tag key={n}>{n}</Tag>),
              },
              { title: t('requests.purpose'), dataIndex: 'purpose' },
              {
                title: t('requests.status'),
                dataIndex: 'status',
                render: (s: Grant['status']) => <Tag color={COLOURS[s]}>{t(`grants.statuses.${s}`)}</Tag>,
              },
              { title: t('grants.expiresAt'), dataIndex: 'expiresAt', render: formatDateTime },
              ...(canRevoke
                ? [
                    {
                      title: '',
                      key: 'revoke',
                      render: (_: unknown, g: Grant) =>
                        g.status === 'active' && (
                          <Popconfirm title={t('grants.confirmRevoke')} onConfirm={() => revoke.mutate(g.id)}>
                            <Button danger size="small">
                              {t('grants.revoke')}
                            </Button>
                          </Popconfirm>
                        ),
                    },
                  ]
                : []),
            ]}
          />
        )}
      </Card>
    </>
  );
}
