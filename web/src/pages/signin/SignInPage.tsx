// Sign in with username and password (POST /api/v1/auth/login sets the session cookie), then back
// to the page the user asked for. Says so when the previous session expired.

import { LockOutlined, SafetyCertificateOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Flex, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { errorText } from '../../app/errors';
import { LanguageSwitch } from '../../app/LanguageSwitch';
import { useSession } from '../../app/session';

interface Values {
  username: string;
  password: string;
}

/** Only a path inside the console: never an absolute URL someone put in the link. */
function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export default function SignInPage() {
  const { t } = useTranslation();
  const { user, expired, signIn } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));
  if (user) return <Navigate to={next} replace />;

  async function submit(values: Values) {
    setBusy(true);
    setError(null);
    try {
      await signIn(values.username, values.password);
      navigate(next, { replace: true });
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Flex vertical align="center" justify="center" style={{ minHeight: '100vh', background: '#f5f7fa' }}>
      <div style={{ position: 'absolute', top: 16, right: 24 }}>
        <LanguageSwitch />
      </div>
      <main>
        <Card style={{ width: 380 }}>
          <Flex vertical align="center" gap={4} style={{ marginBottom: 24 }}>
            <SafetyCertificateOutlined style={{ fontSize: 36, color: '#1677ff' }} />
            <Typography.Title level={3} style={{ margin: 0 }}>
              {t('signin.title')}
            </Typography.Title>
            <Typography.Text type="secondary">{t('signin.subtitle')}</Typography.Text>
          </Flex>
          {expired && !error && (
            <Alert type="warning" showIcon title={t('session.expired')} style={{ marginBottom: 16 }} />
          )}
          {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} role="alert" />}
          <Form<Values> layout="vertical" onFinish={submit} requiredMark={false}>
            <Form.Item
              label={t('signin.username')}
              name="username"
              rules={[{ required: true, message: t('signin.usernameRequired') }, { max: 64 }]}
            >
              <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
            </Form.Item>
            <Form.Item
              label={t('signin.password')}
              name="password"
              rules={[{ required: true, message: t('signin.passwordRequired') }, { max: 1024 }]}
            >
              <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy}>
              {t('signin.submit')}
            </Button>
          </Form>
          <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0, fontSize: 12 }}>
            {t('signin.hint')}
          </Typography.Paragraph>
        </Card>
      </main>
    </Flex>
  );
}
