// The signed-in frame, after Ant Design Pro's side-menu layout: areas in the side navigation (only
// the pages the user's role may use), the organisation, language switch and user menu in the header.

import {
  AuditOutlined,
  BarChartOutlined,
  CloudDownloadOutlined,
  DashboardOutlined,
  LogoutOutlined,
  SafetyCertificateOutlined,
  SafetyOutlined,
  SettingOutlined,
  SolutionOutlined,
  TeamOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Button, Dropdown, Flex, Layout, Menu, type MenuProps, Spin, Tag, Typography, theme } from 'antd';
import { type ReactNode, Suspense, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { call } from '../api/client';
import { allows, endpoints } from '../api/endpoints';
import { LanguageSwitch } from './LanguageSwitch';
import { AREAS, type Area, PAGES } from './pages';
import { useSession } from './session';

const AREA_ICONS: Record<Area, ReactNode> = {
  overview: <DashboardOutlined />,
  collection: <CloudDownloadOutlined />,
  access: <SolutionOutlined />,
  consent: <TeamOutlined />,
  compliance: <SafetyCertificateOutlined />,
  security: <SafetyOutlined />,
  analytics: <BarChartOutlined />,
  audit: <AuditOutlined />,
  administration: <SettingOutlined />,
};

export function AppLayout() {
  const { t } = useTranslation();
  const { user, signOut } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const { token } = theme.useToken();
  const workspace = useQuery({ queryKey: ['workspace'], queryFn: () => call(endpoints.workspace) });

  const items = useMemo<NonNullable<MenuProps['items']>>(() => {
    const visible = PAGES.filter((page) => allows(page.endpoint, user?.role));
    const result: NonNullable<MenuProps['items']> = [];
    for (const area of AREAS) {
      const pages = visible.filter((page) => page.area === area);
      if (pages.length === 0) continue;
      if (pages.length === 1 && pages[0]!.key === area) {
        result.push({ key: pages[0]!.path, icon: AREA_ICONS[area], label: t(`nav.${pages[0]!.key}`) });
      } else {
        result.push({
          key: `area:${area}`,
          icon: AREA_ICONS[area],
          label: t(`area.${area}`),
          children: pages.map((page) => ({ key: page.path, label: t(`nav.${page.key}`) })),
        });
      }
    }
    return result;
  }, [user?.role, t]);

  const selected =
    PAGES.filter(
      (p) => p.path === location.pathname || (p.path !== '/' && location.pathname.startsWith(`${p.path}/`)),
    )
      .map((p) => p.path)
      .at(0) ?? location.pathname;
  const openArea = PAGES.find((p) => p.path === selected)?.area;

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider
        theme="light"
        width={220}
        breakpoint="lg"
        collapsedWidth={64}
        style={{ borderRight: `1px solid ${token.colorBorderSecondary}` }}
      >
        <Flex align="center" gap={8} style={{ height: 56, padding: '0 20px' }}>
          <SafetyCertificateOutlined style={{ fontSize: 22, color: token.colorPrimary }} />
          <Typography.Text strong style={{ fontSize: 18 }}>
            Custos
          </Typography.Text>
        </Flex>
        <nav aria-label={t('nav.label')}>
          <Menu
            mode="inline"
            items={items}
            selectedKeys={[selected]}
            defaultOpenKeys={openArea ? [`area:${openArea}`] : []}
            onClick={({ key }) => navigate(key)}
          />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: token.colorBgContainer,
            padding: '0 24px',
            height: 56,
            lineHeight: '56px',
            borderBottom: `1px solid ${token.colorBorderSecondary}`,
          }}
        >
          <Flex justify="space-between" align="center" style={{ height: '100%' }}>
            <Typography.Text type="secondary">{workspace.data?.organisation ?? ''}</Typography.Text>
            <Flex align="center" gap={16}>
              <LanguageSwitch />
              <Dropdown
                trigger={['click']}
                menu={{
                  items: [{ key: 'signout', icon: <LogoutOutlined />, label: t('session.signOut') }],
                  onClick: ({ key }) => {
                    if (key === 'signout') void signOut().then(() => navigate('/signin'));
                  },
                }}
              >
                <Button type="text" icon={<UserOutlined />} data-testid="user-menu">
                  {user?.displayName ?? user?.username}
                  {user && <Tag style={{ marginInlineStart: 8 }}>{t(`role.${user.role}`)}</Tag>}
                </Button>
              </Dropdown>
            </Flex>
          </Flex>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>
          <main>
            <Suspense fallback={<Spin size="large" style={{ display: 'block', margin: '20vh auto' }} />}>
              <Outlet />
            </Suspense>
          </main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
