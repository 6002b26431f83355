// Credit scorecard tab: fit a model (analysts; the server reads through their policy and grant),
// the model list with approval (compliance officers, never the fitter — the API decides), and a
// model's ROC, KS and IV charts and scorecard table. Everything shown is aggregate (docs/analytics.md).

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Col,
  Empty,
  Form,
  Input,
  InputNumber,
  Row,
  Select,
  Space,
  Statistic,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import {
  allows,
  endpoints,
  type ModelStatus,
  type ScorecardDetail,
  type ScorecardFit,
  type ScorecardModel,
} from '../../api/endpoints';
import { useFormRules } from '../../api/useFormRules';
import { ErrorState, errorText } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';
import { useSession } from '../../app/session';
import { Chart, type EChartsOption } from '../../components/Chart';

const STATUS_COLOUR: Record<ModelStatus, string> = { draft: 'gold', approved: 'green', rejected: 'red' };

export default function ScorecardTab() {
  const { t } = useTranslation();
  const { user } = useSession();
  const queryClient = useQueryClient();
  const [selected, setSelected] = useState<string | undefined>();
  const models = useQuery({
    queryKey: ['scorecard', 'models'],
    queryFn: () => call(endpoints.scorecardModels),
  });
  const detail = useQuery({
    queryKey: ['scorecard', 'model', selected],
    queryFn: () => call(endpoints.scorecardModel, { params: { id: selected! } }),
    enabled: selected !== undefined,
  });
  const decide = useMutation({
    mutationFn: ({ id, decision }: { id: string; decision: 'approve' | 'reject' }) =>
      call(decision === 'approve' ? endpoints.approveScorecard : endpoints.rejectScorecard, {
        params: { id },
        body: {},
      }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['scorecard'] }),
  });
  const canDecide = allows(endpoints.approveScorecard, user?.role);

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      {allows(endpoints.fitScorecard, user?.role) && (
        <FitForm
          onFitted={(id) => {
            setSelected(id);
            void queryClient.invalidateQueries({ queryKey: ['scorecard', 'models'] });
          }}
        />
      )}
      <Card title={t('scorecard.models')}>
        {models.error ? (
          <ErrorState error={models.error} retry={() => void models.refetch()} />
        ) : (
          <>
            {decide.error && <Alert type="error" showIcon message={errorText(decide.error, t)} />}
            <Table<ScorecardModel>
              rowKey="id"
              size="small"
              loading={models.isPending}
              dataSource={models.data?.models ?? []}
              pagination={{ pageSize: 10 }}
              locale={{ emptyText: <Empty description={t('scorecard.no_models')} /> }}
              columns={[
                {
                  title: t('scorecard.name'),
                  key: 'name',
                  render: (_, m) => (
                    <Button type="link" onClick={() => setSelected(m.id)}>
                      {`${m.name} v${m.version}`}
                    </Button>
                  ),
                },
                { title: t('scorecard.dataset'), dataIndex: 'dataset' },
                { title: t('scorecard.purpose'), dataIndex: 'purpose' },
                { title: t('scorecard.fitted_by'), dataIndex: 'createdBy' },
                {
                  title: t('scorecard.created_at'),
                  dataIndex: 'createdAt',
                  render: (at: string) => formatDateTime(at),
                },
                {
                  title: t('scorecard.status'),
                  dataIndex: 'status',
                  render: (status: ModelStatus) => (
                    <Tag color={STATUS_COLOUR[status]}>{t(`scorecard.status_${status}`)}</Tag>
                  ),
                },
                {
                  title: t('scorecard.hash'),
                  dataIndex: 'hash',
                  render: (hash: string) => <Typography.Text code>{hash.slice(0, 12)}</Typography.Text>,
                },
                ...(canDecide
                  ? [
                      {
                        title: t('scorecard.decision'),
                        key: 'decision',
                        render: (_: unknown, m: ScorecardModel) =>
                          m.status === 'draft' && m.createdBy !== user?.username ? (
                            <Space>
                              <Button
                                size="small"
                                type="primary"
                                loading={decide.isPending}
                                onClick={() => decide.mutate({ id: m.id, decision: 'approve' })}
                              >
                                {t('scorecard.approve')}
                              </Button>
                              <Button
                                size="small"
                                danger
                                loading={decide.isPending}
                                onClick={() => decide.mutate({ id: m.id, decision: 'reject' })}
                              >
                                {t('scorecard.reject')}
                              </Button>
                            </Space>
                          ) : null,
                      },
                    ]
                  : []),
              ]}
            />
          </>
        )}
      </Card>
      {selected !== undefined &&
        (detail.error ? (
          <ErrorState error={detail.error} retry={() => void detail.refetch()} />
        ) : detail.data ? (
          <ModelDetail detail={detail.data} />
        ) : (
          <Card loading />
        ))}
    </Space>
  );
}

function FitForm({ onFitted }: { onFitted: (id: string) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<ScorecardFit>();
  const workspace = useQuery({ queryKey: ['workspace'], queryFn: () => call(endpoints.workspace) });
  const dataset = Form.useWatch('dataset', form);
  const purposes = workspace.data?.datasets.find((d) => d.name === dataset)?.purposes ?? [];
  const { rules, showServerErrors } = useFormRules(endpoints.fitScorecard, {
    dataset: t('scorecard.dataset'),
    purpose: t('scorecard.purpose'),
    target: t('scorecard.target'),
    bad: t('scorecard.bad'),
    pdo: t('scorecard.pdo'),
    basePoints: t('scorecard.base_points'),
    baseOdds: t('scorecard.base_odds'),
  });
  const fit = useMutation({
    mutationFn: (body: ScorecardFit) => call(endpoints.fitScorecard, { body }),
    onError: (error) => showServerErrors(form, error),
    onSuccess: (detail) => onFitted(detail.model.id),
  });
  return (
    <Card title={t('scorecard.fit_title')}>
      <Typography.Paragraph type="secondary">{t('scorecard.fit_help')}</Typography.Paragraph>
      <Form<ScorecardFit>
        form={form}
        layout="inline"
        initialValues={{ pdo: 20, basePoints: 600, baseOdds: 50 }}
        onFinish={(values) => fit.mutate(values)}
      >
        <Form.Item name="dataset" label={t('scorecard.dataset')} rules={rules('dataset')}>
          <Select
            style={{ width: 180 }}
            options={(workspace.data?.datasets ?? []).map((d) => ({ value: d.name, label: d.name }))}
          />
        </Form.Item>
        <Form.Item name="purpose" label={t('scorecard.purpose')} rules={rules('purpose')}>
          <Select style={{ width: 180 }} options={purposes.map((p) => ({ value: p, label: p }))} />
        </Form.Item>
        <Form.Item name="target" label={t('scorecard.target')} rules={rules('target')}>
          <Input style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="bad" label={t('scorecard.bad')} rules={rules('bad')}>
          <Input style={{ width: 100 }} />
        </Form.Item>
        <Form.Item name="pdo" label={t('scorecard.pdo')} rules={rules('pdo')}>
          <InputNumber />
        </Form.Item>
        <Form.Item name="basePoints" label={t('scorecard.base_points')} rules={rules('basePoints')}>
          <InputNumber />
        </Form.Item>
        <Form.Item name="baseOdds" label={t('scorecard.base_odds')} rules={rules('baseOdds')}>
          <InputNumber />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit" loading={fit.isPending}>
            {t('scorecard.fit')}
          </Button>
        </Form.Item>
      </Form>
      {fit.error && (
        <Alert style={{ marginTop: 12 }} type="error" showIcon message={errorText(fit.error, t)} />
      )}
    </Card>
  );
}

function ModelDetail({ detail }: { detail: ScorecardDetail }) {
  const { t } = useTranslation();
  const { training, charts } = detail;
  const roc: EChartsOption = {
    animation: false,
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 16, top: 16, bottom: 36 },
    xAxis: { type: 'value', min: 0, max: 1, name: t('scorecard.fpr'), nameLocation: 'middle', nameGap: 24 },
    yAxis: { type: 'value', min: 0, max: 1, name: t('scorecard.tpr') },
    series: [
      { type: 'line', showSymbol: false, data: charts.roc.map((p) => [p.x, p.y]) },
      {
        type: 'line',
        showSymbol: false,
        lineStyle: { type: 'dashed', color: '#aaa' },
        data: [
          [0, 0],
          [1, 1],
        ],
      },
    ],
  };
  const ks: EChartsOption = {
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [t('scorecard.cum_bad'), t('scorecard.cum_good')] },
    grid: { left: 48, right: 16, top: 32, bottom: 36 },
    xAxis: {
      type: 'value',
      min: 0,
      max: 1,
      name: t('scorecard.population'),
      nameLocation: 'middle',
      nameGap: 24,
    },
    yAxis: { type: 'value', min: 0, max: 1 },
    series: [
      {
        name: t('scorecard.cum_bad'),
        type: 'line',
        showSymbol: false,
        data: charts.ks.map((p) => [p.population, p.bad]),
      },
      {
        name: t('scorecard.cum_good'),
        type: 'line',
        showSymbol: false,
        data: charts.ks.map((p) => [p.population, p.good]),
      },
    ],
  };
  const ivRows = [...charts.iv].sort((a, b) => a.iv - b.iv);
  const iv: EChartsOption = {
    animation: false,
    tooltip: { trigger: 'axis' },
    grid: { left: 220, right: 24, top: 8, bottom: 24 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', data: ivRows.map((r) => r.variable) },
    series: [
      {
        type: 'bar',
        data: ivRows.map((r) => ({
          value: r.iv,
          itemStyle: { color: r.isSelected ? '#1677ff' : '#bfbfbf' },
        })),
      },
    ],
  };
  return (
    <Card title={`${detail.model.name} v${detail.model.version}`}>
      <Row gutter={16}>
        <Col span={6}>
          <Statistic title="AUC" value={training.auc} precision={3} />
        </Col>
        <Col span={6}>
          <Statistic title="KS" value={training.ks} precision={3} />
        </Col>
        <Col span={6}>
          <Statistic title="Gini" value={training.gini} precision={3} />
        </Col>
        <Col span={6}>
          <Statistic title={t('scorecard.rows')} value={training.rows} />
        </Col>
      </Row>
      <Row gutter={16} style={{ marginTop: 16 }}>
        <Col xs={24} lg={12}>
          <Typography.Title level={5}>{t('scorecard.roc')}</Typography.Title>
          <Chart option={roc} label={t('scorecard.roc')} />
        </Col>
        <Col xs={24} lg={12}>
          <Typography.Title level={5}>{t('scorecard.ks_curve')}</Typography.Title>
          <Chart option={ks} label={t('scorecard.ks_curve')} />
        </Col>
      </Row>
      <Typography.Title level={5}>{t('scorecard.iv')}</Typography.Title>
      <Chart option={iv} height={Math.max(160, ivRows.length * 22)} label={t('scorecard.iv')} />
      <Typography.Title level={5}>{t('scorecard.table')}</Typography.Title>
      <Table
        rowKey={(r) => `${r.variable}|${r.bin}`}
        size="small"
        pagination={false}
        dataSource={detail.table}
        columns={[
          { title: t('scorecard.variable'), dataIndex: 'variable' },
          { title: t('scorecard.bin'), dataIndex: 'bin' },
          { title: t('scorecard.count'), dataIndex: 'count' },
          {
            title: t('scorecard.bad_rate'),
            dataIndex: 'badRate',
            render: (v: number) => `${(v * 100).toFixed(1)} %`,
          },
          { title: 'WOE', dataIndex: 'woe', render: (v: number) => v.toFixed(3) },
          { title: t('scorecard.points'), dataIndex: 'points', render: (v: number) => v.toFixed(1) },
        ]}
      />
    </Card>
  );
}
