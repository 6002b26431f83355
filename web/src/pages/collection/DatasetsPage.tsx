// Datasets: each declared dataset's fields as classified — JR/T 0171 category, JR/T 0197 level,
// sensitive flag, the classifier's evidence — and, for a compliance officer, confirming a pending
// classification or overriding it (the server checks the level floor and audits both).

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App as AntApp,
  Button,
  Card,
  Descriptions,
  Empty,
  Form,
  Modal,
  Select,
  Space,
  Switch,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { allows, type Category, endpoints, type FieldClassification } from '../../api/endpoints';
import { useFormRules } from '../../api/useFormRules';
import { ErrorState, errorText } from '../../app/errors';
import { formatDateTime, formatNumber } from '../../app/i18n';
import { useSession } from '../../app/session';

const CATEGORIES = ['C1', 'C2', 'C3', 'none'] as const;
const CATEGORY_COLOR: Record<string, string> = { C1: 'blue', C2: 'orange', C3: 'red' };

interface Override {
  category: (typeof CATEGORIES)[number];
  level: number;
  sensitive: boolean;
}

function evidenceOf(entities: unknown): { type: string; share: number }[] {
  if (!Array.isArray(entities)) return [];
  return entities.filter(
    (e): e is { type: string; share: number } =>
      typeof e === 'object' && e !== null && typeof e.type === 'string' && typeof e.share === 'number',
  );
}

export default function DatasetsPage() {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const session = useSession();
  const queryClient = useQueryClient();
  const workspace = useQuery({
    queryKey: ['workspace'],
    queryFn: () => call(endpoints.workspace),
    staleTime: 60_000,
  });
  const [dataset, setDataset] = useState<string | undefined>();
  const [status, setStatus] = useState<string | undefined>();
  const [editing, setEditing] = useState<FieldClassification | undefined>();
  const [form] = Form.useForm<Override>();
  // `category` is left out: the form's "none" stands for the body's null.
  const { rules, showServerErrors } = useFormRules(endpoints.overrideClassification, {
    level: t('datasets.level'),
    sensitive: t('datasets.sensitive'),
  });
  const chosen = dataset ?? workspace.data?.datasets[0]?.name;
  const list = useQuery({
    queryKey: ['classifications', chosen],
    queryFn: () => call(endpoints.classifications, { query: { dataset: chosen! } }),
    enabled: chosen !== undefined,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['classifications'] });
  const mayDecide = allows(endpoints.overrideClassification, session.user?.role);
  const confirm = useMutation({
    mutationFn: (c: FieldClassification) =>
      call(endpoints.confirmClassification, { params: { dataset: c.dataset, field: c.field } }),
    onSuccess: (r) => {
      void message.success(t('datasets.confirmed', { field: r.field }));
      void refresh();
    },
    onError: (error) => void message.error(errorText(error, t)),
  });
  const override = useMutation({
    mutationFn: (v: Override & { dataset: string; field: string }) =>
      call(endpoints.overrideClassification, {
        params: { dataset: v.dataset, field: v.field },
        body: {
          category: v.category === 'none' ? null : (v.category as Category),
          level: v.level,
          sensitive: v.sensitive,
        },
      }),
    onSuccess: (r) => {
      void message.success(t('datasets.overridden', { field: r.field }));
      setEditing(undefined);
      void refresh();
    },
    onError: (error) => {
      // The server names the field it refused (the level below the category's floor).
      if (!showServerErrors(form, error)) void message.error(errorText(error, t));
    },
  });

  const declared = workspace.data?.datasets.find((d) => d.name === chosen);
  const rows = (list.data?.classifications ?? []).filter((c) => status === undefined || c.status === status);
  return (
    <>
      <Typography.Title level={3}>{t('nav.datasets')}</Typography.Title>
      {workspace.isError ? (
        <ErrorState error={workspace.error} retry={() => void workspace.refetch()} />
      ) : (
        <Card>
          <Space wrap style={{ marginBottom: 16 }}>
            <Select
              aria-label={t('datasets.dataset')}
              placeholder={t('datasets.dataset')}
              style={{ width: 240 }}
              loading={workspace.isPending}
              value={chosen ?? null}
              onChange={(v) => setDataset(v)}
              options={(workspace.data?.datasets ?? []).map((d) => ({ value: d.name, label: d.name }))}
            />
            <Select
              allowClear
              aria-label={t('datasets.status')}
              placeholder={t('datasets.status')}
              style={{ width: 180 }}
              value={status ?? null}
              onChange={(v) => setStatus(v ?? undefined)}
              options={['pending', 'confirmed'].map((s) => ({
                value: s,
                label: t(`datasets.statuses.${s}`),
              }))}
            />
          </Space>
          {declared && (
            <Descriptions size="small" column={{ xs: 1, md: 3 }} style={{ marginBottom: 16 }}>
              <Descriptions.Item label={t('datasets.source')}>{declared.source}</Descriptions.Item>
              <Descriptions.Item label={t('datasets.purposes')}>
                {declared.purposes.join(', ')}
              </Descriptions.Item>
              <Descriptions.Item label={t('datasets.lawfulBasis')}>{declared.lawfulBasis}</Descriptions.Item>
            </Descriptions>
          )}
          {list.isError ? (
            <ErrorState error={list.error} retry={() => void list.refetch()} />
          ) : (
            <Table<FieldClassification>
              rowKey="field"
              size="middle"
              loading={workspace.isPending || (chosen !== undefined && list.isPending)}
              dataSource={rows}
              pagination={{ pageSize: 25, hideOnSinglePage: true }}
              locale={{
                emptyText: (
                  <Empty
                    description={chosen === undefined ? t('datasets.noDatasets') : t('datasets.empty')}
                  />
                ),
              }}
              columns={[
                {
                  title: t('datasets.field'),
                  dataIndex: 'field',
                  sorter: (a, b) => a.field.localeCompare(b.field),
                },
                {
                  title: t('datasets.category'),
                  dataIndex: 'category',
                  render: (c: Category | null) =>
                    c ? (
                      <Tag color={CATEGORY_COLOR[c] ?? 'default'}>{t(`datasets.categories.${c}`)}</Tag>
                    ) : (
                      <Tag>{t('datasets.categories.none')}</Tag>
                    ),
                },
                {
                  title: t('datasets.level'),
                  dataIndex: 'level',
                  sorter: (a, b) => a.level - b.level,
                  render: (l: number) => t('datasets.levelValue', { level: l }),
                },
                {
                  title: t('datasets.sensitive'),
                  dataIndex: 'sensitive',
                  render: (s: boolean) =>
                    s ? <Tag color="red">{t('datasets.sensitiveYes')}</Tag> : t('datasets.sensitiveNo'),
                },
                {
                  title: t('datasets.evidence'),
                  key: 'evidence',
                  render: (_: unknown, c: FieldClassification) => {
                    const evidence = evidenceOf(c.entities);
                    return (
                      <Space size={4} wrap>
                        {evidence.length === 0 ? (
                          <Typography.Text type="secondary">{t('datasets.noEvidence')}</Typography.Text>
                        ) : (
                          evidence.map((e) => (
                            <Tooltip
                              key={e.type}
                              title={t('datasets.share', { share: formatNumber(Math.round(e.share * 100)) })}
                            >
                              <Tag>
                                {t(`entity.${e.type}`, { defaultValue: e.type })}{' '}
                                {formatNumber(Math.round(e.share * 100))}%
                              </Tag>
                            </Tooltip>
                          ))
                        )}
                        <Typography.Text type="secondary">
                          {t('datasets.confidence', { value: formatNumber(Math.round(c.confidence * 100)) })}
                        </Typography.Text>
                      </Space>
                    );
                  },
                },
                {
                  title: t('datasets.status'),
                  dataIndex: 'status',
                  render: (s: string, c: FieldClassification) => (
                    <Space direction="vertical" size={0}>
                      <Tag color={s === 'pending' ? 'gold' : 'green'}>
                        {t(`datasets.statuses.${s}`, { defaultValue: s })}
                      </Tag>
                      {c.confirmed_by && (
                        <Typography.Text type="secondary">
                          {t('datasets.by', {
                            who: t(`datasets.deciders.${c.confirmed_by}`, { defaultValue: c.confirmed_by }),
                          })}
                        </Typography.Text>
                      )}
                    </Space>
                  ),
                },
                { title: t('datasets.updatedAt'), dataIndex: 'updated_at', render: formatDateTime },
                ...(mayDecide
                  ? [
                      {
                        title: t('datasets.actions'),
                        key: 'actions',
                        render: (_: unknown, c: FieldClassification) => (
                          <Space>
                            {c.status === 'pending' && (
                              <Button
                                size="small"
                                type="primary"
                                loading={confirm.isPending}
                                onClick={() => confirm.mutate(c)}
                              >
                                {t('datasets.confirm')}
                              </Button>
                            )}
                            <Button
                              size="small"
                              onClick={() => {
                                form.setFieldsValue({
                                  category: c.category ?? 'none',
                                  level: c.level,
                                  sensitive: c.sensitive,
                                });
                                setEditing(c);
                              }}
                            >
                              {t('datasets.override')}
                            </Button>
                          </Space>
                        ),
                      },
                    ]
                  : []),
              ]}
            />
          )}
        </Card>
      )}
      <Modal
        open={editing !== undefined}
        title={editing ? t('datasets.overrideTitle', { field: `${editing.dataset}.${editing.field}` }) : ''}
        okText={t('datasets.overrideSubmit')}
        cancelText={t('action.cancel')}
        confirmLoading={override.isPending}
        onCancel={() => setEditing(undefined)}
        onOk={() => form.submit()}
        forceRender
      >
        <Typography.Paragraph type="secondary">{t('datasets.overrideHint')}</Typography.Paragraph>
        <Form<Override>
          form={form}
          layout="vertical"
          onFinish={(v) =>
            editing && override.mutate({ ...v, dataset: editing.dataset, field: editing.field })
          }
        >
          <Form.Item name="category" label={t('datasets.category')}>
            <Select options={CATEGORIES.map((c) => ({ value: c, label: t(`datasets.categories.${c}`) }))} />
          </Form.Item>
          <Form.Item name="level" label={t('datasets.level')} rules={rules('level')}>
            <Select
              options={[1, 2, 3, 4, 5].map((l) => ({
                value: l,
                label: t('datasets.levelValue', { level: l }),
              }))}
            />
          </Form.Item>
          <Form.Item
            name="sensitive"
            label={t('datasets.sensitive')}
            valuePropName="checked"
            rules={rules('sensitive')}
          >
            <Switch />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
