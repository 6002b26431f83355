// Customer segmentation (精准营销): RFM + k-means with k chosen by silhouette, run on the server
// through policy and grant for a purpose; shows the silhouette per k and k-anonymous segment
// profiles (segments under k subjects are shown as suppressed).

import { useMutation } from '@tanstack/react-query';
import {
  Button,
  Card,
  Descriptions,
  Empty,
  Form,
  Input,
  InputNumber,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { endpoints, type SegmentationRequest, type SegmentProfile } from '../../api/endpoints';
import { useFormRules } from '../../api/useFormRules';
import { Chart } from '../../components/Chart';
import { AnalysisRefusal, cellText, DatasetPurposeFields } from './AnalysisScope';

export default function SegmentationTab() {
  const { t } = useTranslation();
  const [form] = Form.useForm<SegmentationRequest>();
  const dataset = Form.useWatch('dataset', form);
  const { rules, showServerErrors } = useFormRules(endpoints.segmentationRun, {
    dataset: t('analytics.dataset'),
    purpose: t('analytics.purpose'),
    subjectField: t('analytics.segmentation.subject'),
    dateField: t('analytics.segmentation.date'),
    amountField: t('analytics.segmentation.amount'),
    kMin: t('analytics.segmentation.kMin'),
    kMax: t('analytics.segmentation.kMax'),
    kAnonymity: t('analytics.kAnonymity'),
  });
  const run = useMutation({
    onError: (error) => showServerErrors(form, error),
    mutationFn: (body: SegmentationRequest) =>
      call(endpoints.segmentationRun, {
        body: { ...body, ...(body.subjectField ? {} : { subjectField: undefined }) },
      }),
  });
  const result = run.data;
  const suppressed = t('analytics.suppressed');
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="large">
      <Card>
        <Form
          form={form}
          name="segmentation"
          layout="inline"
          aria-label={t('analytics.segmentation.form')}
          initialValues={{
            subjectField: 'customer_no',
            dateField: 'issued_on',
            amountField: 'premium',
            kMin: 2,
            kMax: 8,
            kAnonymity: 10,
          }}
          onFinish={(values) => run.mutate(values)}
        >
          <DatasetPurposeFields dataset={dataset} rules={rules} />
          <Form.Item
            name="subjectField"
            label={t('analytics.segmentation.subject')}
            rules={rules('subjectField')}
          >
            <Input style={{ width: 130 }} />
          </Form.Item>
          <Form.Item name="dateField" label={t('analytics.segmentation.date')} rules={rules('dateField')}>
            <Input style={{ width: 120 }} />
          </Form.Item>
          <Form.Item
            name="amountField"
            label={t('analytics.segmentation.amount')}
            rules={rules('amountField')}
          >
            <Input style={{ width: 120 }} />
          </Form.Item>
          <Form.Item name="kMin" label={t('analytics.segmentation.kMin')} rules={rules('kMin')}>
            <InputNumber />
          </Form.Item>
          <Form.Item name="kMax" label={t('analytics.segmentation.kMax')} rules={rules('kMax')}>
            <InputNumber />
          </Form.Item>
          <Form.Item name="kAnonymity" label={t('analytics.kAnonymity')} rules={rules('kAnonymity')}>
            <InputNumber />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit" loading={run.isPending}>
              {t('analytics.segmentation.run')}
            </Button>
          </Form.Item>
        </Form>
        <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
          {t('analytics.segmentation.help')}
        </Typography.Paragraph>
      </Card>
      {run.isError && <AnalysisRefusal error={run.error} />}
      {!result && !run.isError && <Empty description={t('analytics.segmentation.empty')} />}
      {result && (
        <>
          <Card>
            <Descriptions size="small" column={4}>
              <Descriptions.Item label={t('analytics.segmentation.subjects')}>
                {result.subjects}
              </Descriptions.Item>
              <Descriptions.Item label={t('analytics.segmentation.chosenK')}>{result.k}</Descriptions.Item>
              <Descriptions.Item label={t('analytics.kAnonymity')}>{result.kAnonymity}</Descriptions.Item>
              <Descriptions.Item label={t('analytics.grant')}>{result.grant ?? '—'}</Descriptions.Item>
            </Descriptions>
          </Card>
          <Card title={t('analytics.segmentation.silhouette')}>
            <Chart
              label={t('analytics.segmentation.silhouette')}
              option={{
                tooltip: { trigger: 'axis' },
                xAxis: { type: 'category', name: 'k', data: result.silhouettes.map((s) => String(s.k)) },
                yAxis: { type: 'value', name: t('analytics.segmentation.silhouette') },
                series: [
                  {
                    type: 'bar',
                    data: result.silhouettes.map((s) => ({
                      value: Number(s.silhouette.toFixed(4)),
                      itemStyle: { color: s.k === result.k ? '#1677ff' : '#bfbfbf' },
                    })),
                  },
                ],
              }}
            />
          </Card>
          <Card title={t('analytics.segmentation.profiles')}>
            <Table<SegmentProfile>
              rowKey="segment"
              size="small"
              pagination={false}
              dataSource={result.segments}
              aria-label={t('analytics.segmentation.profiles')}
              columns={[
                { title: t('analytics.segmentation.segment'), dataIndex: 'segment' },
                {
                  title: t('analytics.segmentation.size'),
                  render: (_, s) => (s.size === null ? <Tag>{suppressed}</Tag> : s.size),
                },
                ...(['recency', 'frequency', 'monetary'] as const).map((key) => ({
                  title: t(`analytics.segmentation.${key}`),
                  render: (_: unknown, s: SegmentProfile) =>
                    s.isSuppressed ? <Tag>{suppressed}</Tag> : cellText(s.means?.[key], suppressed, 1),
                })),
                ...(['r', 'f', 'm'] as const).map((key) => ({
                  title: t(`analytics.segmentation.score_${key}`),
                  render: (_: unknown, s: SegmentProfile) =>
                    s.isSuppressed ? (
                      <Tag>{suppressed}</Tag>
                    ) : (
                      <span title={(s.distribution?.[key] ?? []).map((c) => c ?? suppressed).join(' / ')}>
                        {cellText(s.means?.[key], suppressed, 2)}
                      </span>
                    ),
                })),
              ]}
            />
          </Card>
        </>
      )}
    </Space>
  );
}
