// Data-subject requests (PIPL Arts. 44–48): the list, soonest deadline first, with the overdue flag
// and filters; a request's detail with every step it went through and the next steps the user's
// role may take. The API decides every rule (maker-checker, order of steps); this page only shows
// and asks. The person's identifier never reaches the console: requests name a keyed hash.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Descriptions,
  Empty,
  Input,
  Select,
  Space,
  Table,
  Tag,
  Timeline,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { call } from '../../api/client';
import { allows, endpoints, type SubjectRequest } from '../../api/endpoints';
import { ErrorState, errorText } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';
import { useSession } from '../../app/session';

const STATUSES = ['received', 'verified', 'in_progress', 'completed', 'denied', 'cancelled'] as const;
const METHODS = ['id_document', 'in_person', 'account_login', 'other'] as const;
const DENIAL_REASONS = [
  'identity_not_verified',
  'manifestly_unfounded',
  'excessive',
  'legal_obligation',
  'other',
] as const;
const CANCELLATION_REASONS = ['withdrawn_by_subject', 'duplicate', 'other'] as const;
const STATUS_COLOURS: Record<string, string> = {
  received: 'default',
  verified: 'blue',
  in_progress: 'processing',
  completed: 'success',
  denied: 'error',
  cancelled: 'default',
};

export default function SubjectRequestsPage() {
  const id = useParams()['*'];
  return id ? <RequestDetail id={id} /> : <RequestList />;
}

function StatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Tag color={STATUS_COLOURS[status] ?? 'default'}>
      {t(`dsr.status.${status}`, { defaultValue: status })}
    </Tag>
  );
}

function Deadline({ request }: { request: SubjectRequest }) {
  const { t } = useTranslation();
  return (
    <Space size={4}>
      {formatDateTime(request.deadlineAt)}
      {request.isOverdue && <Tag color="red">{t('dsr.overdue')}</Tag>}
    </Space>
  );
}

function RequestList() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [status, setStatus] = useState<string | undefined>();
  const [onlyOverdue, setOnlyOverdue] = useState(false);
  const query = { ...(status ? { status } : {}), ...(onlyOverdue ? { overdue: 'true' as const } : {}) };
  const list = useQuery({
    queryKey: ['dsr', query],
    queryFn: () => call(endpoints.dsrList, { query }),
    refetchInterval: 30_000,
  });
  const overdue = list.data?.requests.filter((r) => r.isOverdue).length ?? 0;
  return (
    <>
      <Typography.Title level={3}>{t('dsr.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('dsr.intro')}</Typography.Paragraph>
      {overdue > 0 && !onlyOverdue && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('dsr.overdueAlert', { count: overdue })}
        />
      )}
      <Card>
        <Space style={{ marginBottom: 16 }} wrap>
          <Select
            allowClear
            style={{ width: 200 }}
            placeholder={t('dsr.filterStatus')}
            aria-label={t('dsr.filterStatus')}
            value={status}
            onChange={(value) => setStatus(value)}
            options={STATUSES.map((s) => ({ value: s, label: t(`dsr.status.${s}`) }))}
          />
          <Checkbox checked={onlyOverdue} onChange={(e) => setOnlyOverdue(e.target.checked)}>
            {t('dsr.onlyOverdue')}
          </Checkbox>
        </Space>
        {list.isError ? (
          <ErrorState error={list.error} retry={() => void list.refetch()} />
        ) : (
          <Table<SubjectRequest>
            rowKey="id"
            size="small"
            loading={list.isPending}
            dataSource={list.data?.requests ?? []}
            locale={{ emptyText: <Empty description={t('dsr.empty')} /> }}
            onRow={(record) => ({
              onClick: () => navigate(`/dsr/${record.id}`),
              style: { cursor: 'pointer' },
            })}
            columns={[
              {
                title: t('dsr.id'),
                dataIndex: 'id',
                render: (id: string) => <Typography.Link>{id.slice(0, 12)}…</Typography.Link>,
              },
              { title: t('dsr.type'), dataIndex: 'type', render: (v: string) => t(`dsr.types.${v}`) },
              {
                title: t('dsr.statusLabel'),
                dataIndex: 'status',
                render: (v: string) => <StatusTag status={v} />,
              },
              {
                title: t('dsr.receivedAt'),
                dataIndex: 'receivedAt',
                render: (v: string) => formatDateTime(v),
              },
              {
                title: t('dsr.deadline'),
                key: 'deadline',
                render: (_: unknown, r: SubjectRequest) => <Deadline request={r} />,
              },
              { title: t('dsr.createdBy'), dataIndex: 'createdBy' },
            ]}
          />
        )}
      </Card>
    </>
  );
}

function RequestDetail({ id }: { id: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const request = useQuery({ queryKey: ['dsr', id], queryFn: () => call(endpoints.dsr, { params: { id } }) });
  return (
    <>
      <Space style={{ marginBottom: 8 }}>
        <Button onClick={() => navigate('/dsr')}>{t('dsr.back')}</Button>
      </Space>
      <Typography.Title level={3}>{t('dsr.detailTitle')}</Typography.Title>
      {request.isError && <ErrorState error={request.error} retry={() => void request.refetch()} />}
      {request.isPending && <Card loading />}
      {request.data && <RequestCard request={request.data} />}
    </>
  );
}

function RequestCard({ request }: { request: SubjectRequest }) {
  const { t } = useTranslation();
  return (
    <>
      <Card>
        <Descriptions column={{ xs: 1, md: 2 }} size="small">
          <Descriptions.Item label={t('dsr.id')}>{request.id}</Descriptions.Item>
          <Descriptions.Item label={t('dsr.type')}>{t(`dsr.types.${request.type}`)}</Descriptions.Item>
          <Descriptions.Item label={t('dsr.statusLabel')}>
            <StatusTag status={request.status} />
          </Descriptions.Item>
          <Descriptions.Item label={t('dsr.deadline')}>
            <Deadline request={request} />
          </Descriptions.Item>
          <Descriptions.Item label={t('dsr.receivedAt')}>
            {formatDateTime(request.receivedAt)}
          </Descriptions.Item>
          <Descriptions.Item label={t('dsr.channel')}>{request.channel ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('dsr.subject')}>
            <Typography.Text code>{request.subjectId}</Typography.Text>
          </Descriptions.Item>
          <Descriptions.Item label={t('dsr.createdBy')}>{request.createdBy}</Descriptions.Item>
          {request.scope.purposes && (
            <Descriptions.Item label={t('dsr.purposes')}>
              {request.scope.purposes.join(', ')}
            </Descriptions.Item>
          )}
          {request.scope.corrections && (
            <Descriptions.Item label={t('dsr.corrections')}>
              {request.scope.corrections.map((c) => `${c.dataset}: ${c.fields.join(', ')}`).join('; ')}
            </Descriptions.Item>
          )}
          {request.reason && (
            <Descriptions.Item label={t('dsr.reason')}>
              {t(`dsr.reasons.${request.reason}`, { defaultValue: request.reason })}
              {request.note ? ` — ${request.note}` : ''}
            </Descriptions.Item>
          )}
        </Descriptions>
      </Card>
      <Card title={t('dsr.steps')} style={{ marginTop: 16 }}>
        <Timeline
          items={request.steps.map((step) => ({
            key: `${step.at}-${step.step}`,
            color: step.step === 'denied' ? 'red' : step.step === 'completed' ? 'green' : 'blue',
            content: (
              <>
                <Typography.Text strong>
                  {t(`dsr.status.${step.step}`, { defaultValue: step.step })}
                </Typography.Text>
                {' · '}
                {formatDateTime(step.at)}
                {' · '}
                <Typography.Text type="secondary">{step.actor}</Typography.Text>
              </>
            ),
          }))}
        />
      </Card>
      <Actions request={request} />
    </>
  );
}

function Actions({ request }: { request: SubjectRequest }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const client = useQueryClient();
  const [method, setMethod] = useState<string>('id_document');
  const [closeReason, setCloseReason] = useState<string | undefined>();
  const [note, setNote] = useState('');
  const params = { id: request.id };
  const done = () => void client.invalidateQueries({ queryKey: ['dsr'] });
  const verify = useMutation({
    mutationFn: () => call(endpoints.dsrVerify, { params, body: { method } }),
    onSuccess: done,
  });
  const start = useMutation({ mutationFn: () => call(endpoints.dsrStart, { params }), onSuccess: done });
  const complete = useMutation({
    mutationFn: () => call(endpoints.dsrComplete, { params }),
    onSuccess: done,
  });
  const close = useMutation({
    mutationFn: (step: 'deny' | 'cancel') =>
      call(step === 'deny' ? endpoints.dsrDeny : endpoints.dsrCancel, {
        params,
        body: { reason: closeReason!, ...(note ? { note } : {}) },
      }),
    onSuccess: done,
  });
  const download = useMutation({
    mutationFn: async () => {
      const doc = await call(endpoints.dsrResult, { params });
      const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `${request.id}.json`;
      link.click();
      URL.revokeObjectURL(url);
    },
  });
  const failed = [verify, start, complete, close, download].find((m) => m.isError);
  const isOpen = ['received', 'verified', 'in_progress'].includes(request.status);
  const hasResult =
    request.status === 'completed' && ['access', 'copy', 'explanation'].includes(request.type);
  if (!allows(endpoints.dsrStart, user?.role)) return null;
  if (!isOpen && !hasResult) return null;
  return (
    <Card title={t('dsr.actions')} style={{ marginTop: 16 }}>
      {failed && (
        <Alert type="error" showIcon style={{ marginBottom: 16 }} title={errorText(failed.error, t)} />
      )}
      <Space orientation="vertical" style={{ width: '100%' }}>
        {request.status === 'received' && (
          <Space wrap>
            <Select
              style={{ width: 220 }}
              value={method}
              aria-label={t('dsr.method')}
              onChange={setMethod}
              options={METHODS.map((m) => ({ value: m, label: t(`dsr.methods.${m}`) }))}
            />
            <Button type="primary" loading={verify.isPending} onClick={() => verify.mutate()}>
              {t('dsr.verify')}
            </Button>
            <Typography.Text type="secondary">{t('dsr.verifyHint')}</Typography.Text>
          </Space>
        )}
        {request.status === 'verified' && (
          <Button type="primary" loading={start.isPending} onClick={() => start.mutate()}>
            {t('dsr.start')}
          </Button>
        )}
        {request.status === 'in_progress' && (
          <Space wrap>
            <Button type="primary" loading={complete.isPending} onClick={() => complete.mutate()}>
              {t('dsr.complete')}
            </Button>
            <Typography.Text type="secondary">{t(`dsr.completeHint.${request.type}`)}</Typography.Text>
          </Space>
        )}
        {isOpen && (
          <Space wrap>
            <Select
              allowClear
              style={{ width: 240 }}
              placeholder={t('dsr.reason')}
              aria-label={t('dsr.reason')}
              value={closeReason}
              onChange={setCloseReason}
              options={[...new Set([...DENIAL_REASONS, ...CANCELLATION_REASONS])].map((r) => ({
                value: r,
                label: t(`dsr.reasons.${r}`),
              }))}
            />
            <Input
              style={{ width: 280 }}
              placeholder={t('dsr.note')}
              aria-label={t('dsr.note')}
              value={note}
              maxLength={1000}
              onChange={(e) => setNote(e.target.value)}
            />
            <Button
              danger
              disabled={!closeReason || !(DENIAL_REASONS as readonly string[]).includes(closeReason)}
              loading={close.isPending && close.variables === 'deny'}
              onClick={() => close.mutate('deny')}
            >
              {t('dsr.deny')}
            </Button>
            <Button
              disabled={!closeReason || !(CANCELLATION_REASONS as readonly string[]).includes(closeReason)}
              loading={close.isPending && close.variables === 'cancel'}
              onClick={() => close.mutate('cancel')}
            >
              {t('dsr.cancel')}
            </Button>
          </Space>
        )}
        {hasResult && (
          <Space wrap>
            <Button type="primary" loading={download.isPending} onClick={() => download.mutate()}>
              {t('dsr.download')}
            </Button>
            <Typography.Text type="secondary">{t('dsr.downloadHint')}</Typography.Text>
          </Space>
        )}
      </Space>
    </Card>
  );
}
