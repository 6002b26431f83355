// Claims analysis (理赔): the development triangle, chain-ladder factors and ultimates/IBNR per
// origin, and the loss ratio and cycle-time summary — computed on the server through policy and
// grant for a purpose; cells and groups under k claims are shown as suppressed.

import { useMutation } from '@tanstack/react-query';
import {
  Button,
  Card,
  Checkbox,
  Empty,
  Form,
  Input,
  InputNumber,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { type ClaimsSummary, endpoints, type ReserveRequest } from '../../api/endpoints';
import { useFormRules } from '../../api/useFormRules';
import { useWorkspace } from '../../app/useWorkspace';
import { Chart } from '../../components/Chart';
import { AnalysisRefusal, cellText, DatasetPurposeFields } from './AnalysisScope';

type SummaryForm = { dataset: string; purpose: string; premiumDataset?: string; kAnonymity: number };

export default function ClaimsTab() {
  const { t } = useTranslation();
  const workspace = useWorkspace();
  const [form] = Form.useForm<ReserveRequest>();
  const dataset = Form.useWatch('dataset', form);
  const [summaryForm] = Form.useForm<SummaryForm>();
  const summaryDataset = Form.useWatch('dataset', summaryForm);
  const scope = { dataset: t('analytics.dataset'), purpose: t('analytics.purpose') };
  const reserveRules = useFormRules(endpoints.claimsReserve, {
    ...scope,
    origin: t('analytics.claims.origin'),
    development: t('analytics.claims.development'),
    value: t('analytics.claims.value'),
    kAnonymity: t('analytics.kAnonymity'),
  });
  const summaryRules = useFormRules(endpoints.claimsSummary, {
    ...scope,
    premiumDataset: t('analytics.claims.premiumDataset'),
    kAnonymity: t('analytics.kAnonymity'),
  });
  const reserve = useMutation({
    mutationFn: (body: ReserveRequest) => call(endpoints.claimsReserve, { body }),
    onError: (error) => reserveRules.showServerErrors(form, error),
  });
  const summary = useMutation({
    mutationFn: (body: SummaryForm) => call(endpoints.claimsSummary, { body }),
    onError: (error) => summaryRules.showServerErrors(summaryForm, error),
  });
  const suppressed = t('analytics.suppressed');
  const result = reserve.data;
  const hidden = new Set((result?.triangle.suppressed ?? []).map(([i, j]) => `${i}:${j}`));
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="large">
      <Card title={t('analytics.claims.reserveTitle')}>
        <Form
          form={form}
          name="claims-reserve"
          layout="inline"
          aria-label={t('analytics.claims.reserveTitle')}
          initialValues={{
            origin: 'accident_year',
            development: 'settled_year',
            value: 'amount',
            cumulative: false,
            kAnonymity: 10,
          }}
          onFinish={(values) => reserve.mutate({ ...values, cumulative: values.cumulative === true })}
        >
          <DatasetPurposeFields dataset={dataset} rules={reserveRules.rules} />
          <Form.Item name="origin" label={t('analytics.claims.origin')} rules={reserveRules.rules('origin')}>
            <Input style={{ width: 130 }} />
          </Form.Item>
          <Form.Item
            name="development"
            label={t('analytics.claims.development')}
            rules={reserveRules.rules('development')}
          >
            <Input style={{ width: 130 }} />
          </Form.Item>
          <Form.Item name="value" label={t('analytics.claims.value')} rules={reserveRules.rules('value')}>
            <Input style={{ width: 110 }} />
          </Form.Item>
          <Form.Item name="cumulative" valuePropName="checked">
            <Checkbox>{t('analytics.claims.cumulative')}</Checkbox>
          </Form.Item>
          <Form.Item
            name="kAnonymity"
            label={t('analytics.kAnonymity')}
            rules={reserveRules.rules('kAnonymity')}
          >
            <InputNumber />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit" loading={reserve.isPending}>
              {t('analytics.claims.runReserve')}
            </Button>
          </Form.Item>
        </Form>
      </Card>
      {reserve.isError && <AnalysisRefusal error={reserve.error} />}
      {!result && !reserve.isError && <Empty description={t('analytics.claims.empty')} />}
      {result && (
        <>
          <Card title={t('analytics.claims.triangle')}>
            <Table
              size="small"
              pagination={false}
              scroll={{ x: 'max-content' }}
              aria-label={t('analytics.claims.triangle')}
              rowKey="origin"
              dataSource={result.triangle.origins.map((origin, i) => ({ origin, i }))}
              columns={[
                { title: t('analytics.claims.origin'), dataIndex: 'origin' },
                ...result.triangle.ages.map((age, j) => ({
                  title: age,
                  key: age,
                  render: (_: unknown, row: { i: number }) => {
                    const value = result.triangle.cumulative[row.i]?.[j];
                    if (hidden.has(`${row.i}:${j}`)) return <Tag>{suppressed}</Tag>;
                    return value === null || value === undefined ? '' : cellText(value, suppressed);
                  },
                })),
              ]}
              summary={() => (
                <Table.Summary.Row>
                  <Table.Summary.Cell index={0}>{t('analytics.claims.ldf')}</Table.Summary.Cell>
                  {result.triangle.ages.map((age, j) => (
                    <Table.Summary.Cell key={age} index={j + 1}>
                      {result.ldfs[j] === undefined ? '' : result.ldfs[j].toFixed(3)}
                    </Table.Summary.Cell>
                  ))}
                </Table.Summary.Row>
              )}
            />
          </Card>
          <Card title={t('analytics.claims.ultimates')}>
            <Chart
              label={t('analytics.claims.ultimates')}
              option={{
                tooltip: { trigger: 'axis' },
                legend: {},
                xAxis: { type: 'category', data: result.origins.map((o) => o.origin) },
                yAxis: { type: 'value' },
                series: [
                  {
                    name: t('analytics.claims.latest'),
                    type: 'bar',
                    stack: 'ultimate',
                    data: result.origins.map((o) => o.latest),
                  },
                  {
                    name: t('analytics.claims.ibnr'),
                    type: 'bar',
                    stack: 'ultimate',
                    data: result.origins.map((o) => (o.ibnr === null ? null : Math.round(o.ibnr))),
                  },
                ],
              }}
            />
            <Typography.Paragraph>
              {t('analytics.claims.totals', {
                latest: cellText(result.totals.latest, suppressed),
                ultimate: cellText(result.totals.ultimate, suppressed),
                ibnr: cellText(result.totals.ibnr, suppressed),
              })}
            </Typography.Paragraph>
          </Card>
        </>
      )}
      <Card title={t('analytics.claims.summaryTitle')}>
        <Form
          form={summaryForm}
          name="claims-summary"
          layout="inline"
          aria-label={t('analytics.claims.summaryTitle')}
          initialValues={{ kAnonymity: 10 }}
          onFinish={(values) => summary.mutate(values)}
        >
          <DatasetPurposeFields dataset={summaryDataset} rules={summaryRules.rules} />
          <Form.Item
            name="premiumDataset"
            label={t('analytics.claims.premiumDataset')}
            rules={summaryRules.rules('premiumDataset')}
          >
            <Select
              allowClear
              aria-label={t('analytics.claims.premiumDataset')}
              style={{ width: 200 }}
              options={(workspace.data?.datasets ?? []).map((d) => ({ label: d.name, value: d.name }))}
            />
          </Form.Item>
          <Form.Item
            name="kAnonymity"
            label={t('analytics.kAnonymity')}
            rules={summaryRules.rules('kAnonymity')}
          >
            <InputNumber />
          </Form.Item>
          <Form.Item>
            <Button htmlType="submit" loading={summary.isPending}>
              {t('analytics.claims.runSummary')}
            </Button>
          </Form.Item>
        </Form>
        {summary.isError && <AnalysisRefusal error={summary.error} />}
        {summary.data && <SummaryTables summary={summary.data} suppressed={suppressed} />}
      </Card>
    </Space>
  );
}

function SummaryTables({ summary, suppressed }: { summary: ClaimsSummary; suppressed: string }) {
  const { t } = useTranslation();
  const show = (hidden: boolean, text: string) => (hidden ? <Tag>{suppressed}</Tag> : text);
  return (
    <Space direction="vertical" style={{ width: '100%', marginTop: 16 }}>
      <Table
        size="small"
        pagination={false}
        aria-label={t('analytics.claims.lossRatios')}
        rowKey={(g) => `${g.dimension}:${g.value}`}
        dataSource={summary.lossRatios}
        columns={[
          {
            title: t('analytics.claims.dimension'),
            render: (_, g) => t(`analytics.claims.dimension_${g.dimension}`),
          },
          { title: t('analytics.claims.group'), dataIndex: 'value' },
          {
            title: t('analytics.claims.claims'),
            render: (_, g) => show(g.isSuppressed, cellText(g.claims, suppressed)),
          },
          {
            title: t('analytics.claims.incurred'),
            render: (_, g) => show(g.isSuppressed, cellText(g.incurred, suppressed)),
          },
          {
            title: t('analytics.claims.premium'),
            render: (_, g) => show(g.isSuppressed, cellText(g.premium, suppressed)),
          },
          {
            title: t('analytics.claims.lossRatio'),
            render: (_, g) =>
              show(g.isSuppressed, g.lossRatio === null ? '—' : `${(g.lossRatio * 100).toFixed(1)}%`),
          },
        ]}
      />
      <Table
        size="small"
        pagination={false}
        aria-label={t('analytics.claims.cycleTimes')}
        rowKey="group"
        dataSource={summary.cycleTimes}
        columns={[
          { title: t('analytics.claims.group'), dataIndex: 'group' },
          {
            title: t('analytics.claims.settled'),
            render: (_, c) => show(c.isSuppressed, cellText(c.settled, suppressed)),
          },
          {
            title: t('analytics.claims.mean'),
            render: (_, c) => show(c.isSuppressed, cellText(c.mean, suppressed, 1)),
          },
          {
            title: t('analytics.claims.median'),
            render: (_, c) => show(c.isSuppressed, cellText(c.median, suppressed, 1)),
          },
          { title: 'P90', render: (_, c) => show(c.isSuppressed, cellText(c.p90, suppressed, 1)) },
        ]}
      />
    </Space>
  );
}
