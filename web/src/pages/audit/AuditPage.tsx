// The audit log explorer: entries newest first with filters (actor, action exact; target prefix),
// verify the whole log, an entry's inclusion proof, and the latest signed tree head to keep
// elsewhere (JSON for `custos audit verify --against`, or a C2SP checkpoint note for witnesses).

import { DownloadOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Empty, Form, Input, Modal, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { type AuditEntry, endpoints, type InclusionProof } from '../../api/endpoints';
import { ErrorState, errorText } from '../../app/errors';
import { formatDateTime, formatNumber } from '../../app/i18n';

interface Filters {
  actor?: string;
  action?: string;
  target?: string;
}

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

export default function AuditPage() {
  const { t } = useTranslation();
  const [filters, setFilters] = useState<Filters>({});
  const [proof, setProof] = useState<InclusionProof | null>(null);
  const entries = useInfiniteQuery({
    queryKey: ['audit', filters],
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam }) =>
      call(endpoints.auditEntries, {
        query: { limit: 50, ...filters, ...(pageParam !== undefined ? { before: pageParam } : {}) },
      }),
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });
  const head = useQuery({ queryKey: ['audit', 'head'], queryFn: () => call(endpoints.treeHead) });
  const verify = useMutation({ mutationFn: () => call(endpoints.auditVerify, { body: {} }) });
  const proofOf = useMutation({
    mutationFn: (index: number) => call(endpoints.auditProof, { params: { index: String(index) } }),
    onSuccess: setProof,
  });
  const rows = entries.data?.pages.flatMap((p) => p.entries) ?? [];
  const size = entries.data?.pages[0]?.size;

  async function exportCheckpoint() {
    const response = await fetch('/api/v1/audit/tree-head?format=checkpoint', { credentials: 'same-origin' });
    if (response.ok) download('custos-checkpoint.txt', await response.text(), 'text/plain');
  }

  return (
    <>
      <Typography.Title level={3}>{t('nav.audit')}</Typography.Title>
      <Card style={{ marginBottom: 16 }}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Space wrap>
            <Button
              type="primary"
              icon={<SafetyCertificateOutlined />}
              loading={verify.isPending}
              onClick={() => verify.mutate()}
            >
              {t('audit.verify')}
            </Button>
            <Button
              icon={<DownloadOutlined />}
              disabled={!head.data?.treeHead}
              onClick={() =>
                head.data?.treeHead &&
                download(
                  'custos-tree-head.json',
                  `${JSON.stringify(head.data.treeHead, null, 2)}\n`,
                  'application/json',
                )
              }
            >
              {t('audit.exportJson')}
            </Button>
            <Button
              icon={<DownloadOutlined />}
              disabled={!head.data?.treeHead}
              onClick={() => void exportCheckpoint()}
            >
              {t('audit.exportCheckpoint')}
            </Button>
            {head.data?.treeHead && (
              <Typography.Text type="secondary">
                {t('audit.head', {
                  size: formatNumber(head.data.treeHead.treeSize),
                  time: formatDateTime(head.data.treeHead.timestamp),
                })}
              </Typography.Text>
            )}
          </Space>
          {verify.isError && <Alert type="error" showIcon title={errorText(verify.error, t)} />}
          {verify.data &&
            (verify.data.ok ? (
              <Alert
                type="success"
                showIcon
                role="status"
                title={t('audit.verified', {
                  size: formatNumber(verify.data.treeSize),
                  heads: verify.data.headsChecked,
                })}
                description={<Typography.Text code>{verify.data.rootHash}</Typography.Text>}
              />
            ) : (
              <Alert
                type="error"
                showIcon
                role="alert"
                title={t('audit.broken', { index: verify.data.problem?.index ?? '?' })}
                description={verify.data.problem?.message}
              />
            ))}
        </Space>
      </Card>
      <Card>
        <Form<Filters>
          layout="inline"
          onFinish={(v) => setFilters(Object.fromEntries(Object.entries(v).filter(([, x]) => x)))}
          style={{ marginBottom: 16 }}
        >
          <Form.Item name="actor" label={t('audit.actor')}>
            <Input allowClear style={{ width: 160 }} />
          </Form.Item>
          <Form.Item name="action" label={t('audit.action')}>
            <Input allowClear style={{ width: 180 }} />
          </Form.Item>
          <Form.Item name="target" label={t('audit.target')}>
            <Input allowClear style={{ width: 180 }} placeholder={t('audit.targetHint')} />
          </Form.Item>
          <Button htmlType="submit">{t('audit.filter')}</Button>
          {size !== undefined && (
            <Typography.Text type="secondary" style={{ marginInlineStart: 12 }}>
              {t('audit.size', { size: formatNumber(size) })}
            </Typography.Text>
          )}
        </Form>
        {entries.isError ? (
          <ErrorState error={entries.error} retry={() => void entries.refetch()} />
        ) : (
          <>
            <Table<AuditEntry>
              rowKey="index"
              size="small"
              loading={entries.isPending}
              dataSource={rows}
              pagination={false}
              locale={{ emptyText: <Empty description={t('audit.empty')} /> }}
              expandable={{
                expandedRowRender: (e) => (
                  <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>
                    {JSON.stringify(e.details ?? {}, null, 2)}
                  </pre>
                ),
                rowExpandable: (e) => Boolean(e.details),
              }}
              columns={[
                { title: '#', dataIndex: 'index', width: 80 },
                { title: t('audit.time'), dataIndex: 'time', render: formatDateTime },
                { title: t('audit.actor'), dataIndex: 'actor' },
                { title: t('audit.action'), dataIndex: 'action' },
                { title: t('audit.target'), dataIndex: 'target', ellipsis: true },
                { title: t('audit.purpose'), dataIndex: 'purpose', render: (p?: string) => p ?? '—' },
                {
                  title: '',
                  key: 'proof',
                  render: (_, e) => (
                    <Button size="small" onClick={() => proofOf.mutate(e.index)}>
                      {t('audit.proof')}
                    </Button>
                  ),
                },
              ]}
            />
            {entries.hasNextPage && (
              <Button
                style={{ marginTop: 12 }}
                loading={entries.isFetchingNextPage}
                onClick={() => void entries.fetchNextPage()}
              >
                {t('audit.older')}
              </Button>
            )}
          </>
        )}
      </Card>
      <Modal
        open={proof !== null}
        title={t('audit.proofTitle', { index: proof?.index ?? '' })}
        footer={null}
        onCancel={() => setProof(null)}
        width={760}
      >
        {proof && (
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t('audit.treeSize')}>{proof.treeSize}</Descriptions.Item>
            <Descriptions.Item label={t('audit.leafHash')}>
              <Typography.Text code copyable>
                {proof.leafHash}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('audit.rootHash')}>
              <Typography.Text code copyable>
                {proof.rootHash}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('audit.path')}>
              {proof.proof.map((p) => (
                <div key={p}>
                  <Typography.Text code>{p}</Typography.Text>
                </div>
              ))}
            </Descriptions.Item>
          </Descriptions>
        )}
      </Modal>
    </>
  );
}
