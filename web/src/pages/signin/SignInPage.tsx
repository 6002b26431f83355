// Sign in with username and password (POST /api/v1/auth/login sets the session cookie), then, where
// the role needs it, the second step: set up an authenticator on first use, then its 6-digit code
// or a recovery code (docs/api.md, sign-in flow). Back to the page the user asked for. Says so when
// the previous session expired.

import { KeyOutlined, LockOutlined, SafetyCertificateOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Flex, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { call } from '../../api/client';
import { endpoints, type SignedIn } from '../../api/endpoints';
import { useFormRules } from '../../api/useFormRules';
import { errorText } from '../../app/errors';
import { LanguageSwitch } from '../../app/LanguageSwitch';
import { useSession } from '../../app/session';

interface Values {
  username: string;
  password: string;
}

/** The second step: the challenge from the password step, and the set-up secret on first use. */
interface SecondStep {
  challenge: string;
  enrolment?: { secret: string; otpauthUrl: string };
}

/** Only a path inside the console: never an absolute URL someone put in the link. */
function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export default function SignInPage() {
  const { t } = useTranslation();
  const { user, expired, signIn, completeSecondFactor, accept } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [second, setSecond] = useState<SecondStep | null>(null);
  const [codes, setCodes] = useState<SignedIn | null>(null);
  const next = safeNext(params.get('next'));
  const signInRules = useFormRules(endpoints.login, {
    username: t('signin.username'),
    password: t('signin.password'),
  });
  const codeRules = useFormRules(endpoints.secondFactor, { code: t('signin.code') });
  if (user) return <Navigate to={next} replace />;

  async function submit(values: Values) {
    setBusy(true);
    setError(null);
    try {
      const result = await signIn(values.username, values.password);
      if (result.status === 'signed_in') {
        navigate(next, { replace: true });
        return;
      }
      const enrolment = result.isEnrolled
        ? undefined
        : await call(endpoints.secondFactorEnrol, { body: { challenge: result.challenge } });
      setSecond({ challenge: result.challenge, ...(enrolment ? { enrolment } : {}) });
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setBusy(false);
    }
  }

  async function submitCode(values: { code: string }) {
    if (!second) return;
    setBusy(true);
    setError(null);
    try {
      const result = await completeSecondFactor(second.challenge, values.code.trim());
      // Recovery codes are shown once, before the console opens.
      if (result.recoveryCodes) setCodes(result);
      else {
        accept(result);
        navigate(next, { replace: true });
      }
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setBusy(false);
    }
  }

  function restart() {
    setSecond(null);
    setError(null);
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
          {codes ? (
            <Flex vertical gap={12}>
              <Typography.Title level={4} style={{ margin: 0 }}>
                {t('signin.recoveryTitle')}
              </Typography.Title>
              <Typography.Paragraph style={{ margin: 0 }}>{t('signin.recoveryHint')}</Typography.Paragraph>
              <Typography.Paragraph
                code
                copyable
                style={{ whiteSpace: 'pre', margin: 0 }}
                aria-label={t('signin.recoveryTitle')}
              >
                {codes.recoveryCodes?.join('\n')}
              </Typography.Paragraph>
              <Button
                type="primary"
                block
                onClick={() => {
                  accept(codes);
                  navigate(next, { replace: true });
                }}
              >
                {t('signin.recoverySaved')}
              </Button>
            </Flex>
          ) : second ? (
            <Form<{ code: string }> layout="vertical" onFinish={submitCode} requiredMark={false}>
              {second.enrolment && (
                <Flex vertical gap={8} style={{ marginBottom: 16 }}>
                  <Typography.Text strong>{t('signin.enrolTitle')}</Typography.Text>
                  <Typography.Text>{t('signin.enrolHint')}</Typography.Text>
                  <Typography.Text code copyable aria-label={t('signin.enrolSecret')}>
                    {second.enrolment.secret}
                  </Typography.Text>
                  <Typography.Link href={second.enrolment.otpauthUrl}>
                    {t('signin.enrolLink')}
                  </Typography.Link>
                </Flex>
              )}
              <Form.Item
                label={t('signin.code')}
                name="code"
                extra={t('signin.codeHint')}
                rules={codeRules.rules('code')}
              >
                <Input prefix={<KeyOutlined />} autoComplete="one-time-code" inputMode="numeric" autoFocus />
              </Form.Item>
              <Button type="primary" htmlType="submit" block loading={busy}>
                {t('signin.verify')}
              </Button>
              <Button type="link" block onClick={restart} style={{ marginTop: 8 }}>
                {t('signin.startOver')}
              </Button>
            </Form>
          ) : (
            <Form<Values> layout="vertical" onFinish={submit} requiredMark={false}>
              <Form.Item label={t('signin.username')} name="username" rules={signInRules.rules('username')}>
                <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
              </Form.Item>
              <Form.Item label={t('signin.password')} name="password" rules={signInRules.rules('password')}>
                <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
              </Form.Item>
              <Button type="primary" htmlType="submit" block loading={busy}>
                {t('signin.submit')}
              </Button>
            </Form>
          )}
          <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0, fontSize: 12 }}>
            {t('signin.hint')}
          </Typography.Paragraph>
        </Card>
      </main>
    </Flex>
  );
}
