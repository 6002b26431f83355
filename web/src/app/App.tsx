// Providers and routes: antd in the user's language, TanStack Query for server state, the session,
// and one route per page in src/app/pages.tsx (shown only to roles the page's endpoint admits).

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider, Result, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { ApiError } from '../api/client';
import { allows } from '../api/endpoints';
import { AppLayout } from './AppLayout';
import { PAGES } from './pages';
import { SessionProvider, useSession } from './session';

// Fetched at once, beside the session check rather than after it: a visitor without a session needs
// it next (the first page), and its parts (form, inputs, cards) serve the other pages too.
const signInPage = import('../pages/signin/SignInPage');
const SignInPage = lazy(() => signInPage);

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // 4xx answers are final (not signed in, not allowed, not found): retry only the rest, once.
      retry: (failures, error) =>
        !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 1,
      refetchOnWindowFocus: false,
    },
  },
});

const fullPageSpin = <Spin size="large" style={{ display: 'block', margin: '30vh auto' }} />;

function RequireSession() {
  const { user, loading } = useSession();
  const location = useLocation();
  if (loading) return fullPageSpin;
  if (!user) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/signin' : `/signin?next=${encodeURIComponent(next)}`} replace />;
  }
  return <AppLayout />;
}

function Routed() {
  const { t } = useTranslation();
  const { user } = useSession();
  return (
    <Routes>
      <Route
        path="/signin"
        element={
          <Suspense fallback={fullPageSpin}>
            <SignInPage />
          </Suspense>
        }
      />
      <Route element={<RequireSession />}>
        {PAGES.map((page) => (
          <Route
            key={page.key}
            path={page.path === '/' ? undefined : `${page.path}/*`}
            index={page.path === '/'}
            element={
              allows(page.endpoint, user?.role) ? (
                <page.component />
              ) : (
                <Result
                  status="403"
                  title={t('error.pageForbiddenTitle')}
                  subTitle={t('error.pageForbidden')}
                />
              )
            }
          />
        ))}
        <Route path="*" element={<Result status="404" title="404" subTitle={t('error.notFoundPage')} />} />
      </Route>
    </Routes>
  );
}

/** The user's system asks for reduced motion: menus and dialogs open without animation. */
const prefersReducedMotion =
  typeof window !== 'undefined' && window.matchMedia?.('(prefers-reduced-motion: reduce)').matches === true;

export function App() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider
      locale={i18n.language === 'en' ? enUS : zhCN}
      theme={{ token: { colorPrimary: '#1677ff', motion: !prefersReducedMotion } }}
      button={{ autoInsertSpace: false }}
    >
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter>
            <SessionProvider>
              <Routed />
            </SessionProvider>
          </BrowserRouter>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}
