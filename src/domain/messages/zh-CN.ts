// 简体中文消息目录（CLI 输出与 API 错误标题）。Simplified Chinese catalogue; keys match en.ts.

import type { MessageKey } from './en.js';

export const zhCN: Record<MessageKey, string> = {
  'error.validation': '输入无效',
  'error.config': '工作区配置无效',
  'error.not_found': '未找到',
  'error.unauthorized': '需要登录认证',
  'error.forbidden': '当前角色无权执行此操作',
  'error.no_policy': '没有访问策略允许此操作',
  'error.purpose_not_allowed': '使用目的不被允许',
  'error.approval_required': '需要经审批的访问授权',
  'error.grant_expired': '访问授权已过期或被撤销',
  'error.conflict': '与已有数据冲突',
  'error.rate_limited': '尝试次数过多',
  'error.source': '数据源出错',
  'error.crypto': '密码运算失败',
  'error.integrity': '完整性校验失败',
  'error.unavailable': '服务暂不可用',
  'error.internal': '内部错误',
  'error.usage': '用法错误',
  'cli.serve.listening': 'Custos 控制台：{url}',
  'cli.serve.workspace': '工作区：{dir}（存储：{storage}）',
  'cli.serve.admin_created': '首次启动：已创建用户“{username}”，密码：{password}',
  'cli.serve.admin_created_note': '此密码仅显示一次。修改密码：custos user passwd {username}{workspace}',
  'cli.serve.admin_from_env': '首次启动：已使用 CUSTOS_ADMIN_PASSWORD 中的密码创建用户“{username}”。',
  'cli.serve.login_hint': '请使用已有用户登录（重置密码：custos user passwd 用户名{workspace}）。',
  'cli.serve.api_docs': 'API 文档：{url}',
  'cli.init.created': '已创建工作区 {dir}',
  'cli.migrate.done': '数据库已是最新（共 {count} 个迁移；本次应用：{applied}）',
  'cli.user.added': '已添加用户 {username}，角色 {role}',
  'cli.user.password_changed': '已修改 {username} 的密码',
  'cli.token.created': '令牌“{name}”（用户 {username}，编号 {id}），有效期至 {expiresAt}：',
  'cli.token.shown_once': '请立即复制：令牌不会再次显示。',
  'cli.token.revoked': '已吊销令牌 {id}',
  'cli.config.ok':
    '工作区 {dir} 有效：{vendors} 个供应商，{sources} 个数据源，{datasets} 个数据集，{purposes} 个目的，{roles} 个角色，{policies} 条策略',
  'cli.config.problems': '工作区有 {count} 个问题：',
  'cli.password.prompt': '密码：',
  'cli.password.confirm': '再次输入密码：',
  'cli.password.mismatch': '两次输入的密码不一致',
  // --- audit log ---
  'cli.audit.verify_ok': '审计日志校验通过：{size} 条记录，{heads} 个签名树头一致。根哈希 {root}',
  'cli.audit.verify_failed': '审计日志校验失败，首个问题位于第 {index} 条：{message}',
  'cli.audit.proof_ok': '证明成立。',
  'cli.audit.proof_failed': '证明不成立。',
  'cli.audit.key_rotated':
    '签名密钥 {previous} 已于树大小 {size} 停用；新密钥 {key} 开始签名（已在日志中公告，并固定在 audit-trust.json 中）。',
  'cli.monitor.ran': '已评估监控规则：{findings} 项发现，新增 {raised} 条告警。',
  'cli.backup.written':
    '备份已写入：{file}（{bytes} 字节，SHA-256 {sha256}）。请保管好主密钥：没有它无法打开备份。',
  'cli.backup.restored': '已恢复到 {dir}：审计日志校验通过（{entries} 条），现有 {records} 条记录。',
  'cli.audit.empty': '审计日志为空。',
  // --- keys ---
  'cli.keys.status':
    '密码套件 {suite}，当前密钥版本 v{current}；数据密钥 {dataKeys} 个，已销毁 {shredded} 个，待重新包装 {pending} 个',
  'cli.keys.rotated': '已创建密钥版本 v{version}。请运行 `custos keys rewrap` 将数据密钥迁移到新版本。',
  'cli.keys.rewrap_progress': '已重新包装 {done} 个，剩余 {remaining} 个',
  'cli.keys.rewrapped': '已重新包装 {count} 个数据密钥。',
  'cli.keys.retired': '已停用密钥版本 v{version}。',
  'cli.keys.erased':
    '已于 {at} 删除数据主体 {subject}：数据密钥已销毁；移除记录 {records} 条、索引项 {indexEntries} 条、隔离副本 {quarantined} 条；此后不再采集。',
  'cli.keys.master_prompt': '主密钥口令：',
  // --- classify ---
  'cli.classify.none': '未发现个人信息。',
  'cli.classify.summary': '{file}：检查了 {records} 条记录，{fields} 个字段',
  // --- sources ---
  'cli.serve.demo_simulators':
    '演示：模拟合作方 API 位于 {url}，公开公告网站位于 {site}，合作银行数据库位于 data/partner-bank.db',
  'cli.source.check_ok': '数据源 {name}：正常 — {message}（身份：{identity}）',
  'cli.source.check_failed': '数据源 {name}：失败 — {message}',
  'cli.source.slot':
    '{stream} → {kind} {slot}：{state}，对方服务器为其保留 {retained} 日志{lagging}（{detail}；数据集：{datasets}）',
  'cli.source.slot_missing': '不存在',
  'cli.source.slot_active': '正在读取',
  'cli.source.slot_idle': '空闲',
  'cli.source.slot_lagging': ' — 滞后，超过 cdc.lagWarnBytes',
  'cli.source.slots_dropped':
    '数据源 {name}：已删除 {count} 个复制槽（{streams}）；读取它们的数据集将从快照重新开始',
  'cli.source.preview':
    '来自 {name}/{stream} 的 {count} 条记录（疑似个人信息的值已脱敏；使用 --show-values 查看原值）：',
  'cli.serve.run_finished': '采集 {dataset}：{status} — 入库 {stored} 条，隔离 {quarantined} 条 {detail}',
  'cli.collect.counts': '读取 {read}，入库 {stored}，更新 {updated}，未变 {unchanged}，隔离 {quarantined}',
  'cli.collect.finished': '{dataset}：{status}，用时 {seconds} 秒',
  'cli.collect.deleted': '{count} 条记录标记为源端已删除（保留历史）',
  'cli.collect.dropped': '已丢弃字段（未声明，或用途不需要）：{fields}',
  'cli.collect.worker_done': '工作进程 {id} 执行了 {count} 次采集',
  'cli.collect.sensitive': '敏感',
  'cli.collect.confirmed': '已确认 {dataset}.{field}',
  'cli.collect.nothing_new': '自 {time}（上次运行停止处）以来没有新数据；使用 `--full` 从头重新读取数据源',
  'cli.quarantine.shown':
    '显示 {shown} 条，共 {total} 条隔离记录（--limit 显示更多，--dataset/--status 筛选）',
  'cli.collect.eta': '预计剩余 {time}',
  'cli.collect.queued':
    '已将 {dataset} 的采集运行 {run} 排队，交由工作进程执行（custos worker，或未加 --no-worker 的 custos serve）；用 custos runs --dataset {dataset} 查看',
  'cli.serve.no_worker': '本进程不执行采集（--no-worker）：排队的运行等待 custos worker 执行',
  'cli.serve.demo_collecting': '演示：正在采集 {queued}',
  'cli.serve.demo_skipped': '演示：以下数据集的来源类型尚无连接器，未采集：{skipped}',
  // --- access ---
  'cli.policy.explain': '{user} 为 {purpose} 读取 {dataset}：{outcome}',
  'cli.access.requested': '访问申请 {id} 待审批（需 {approvals} 人批准）。',
  'cli.access.granted': '申请 {id} 已批准：授权 {grant} 给 {grantee}，有效至 {expiresAt}。',
  'cli.access.decided': '申请 {id} 当前状态：{status}。',
  'cli.grants.revoked': '已撤销授权 {id}。',
  'cli.records.page': '{count} 条记录；因无同意而未返回：{noConsent}，被过滤：{filtered}，已损坏：{damaged}',
  'cli.records.exported': '导出 {id} 已写入 {file}',
  'cli.records.verified': '{dataset}：已校验 {checked} 条记录，{damaged} 条损坏，{erased} 条属于已删除的主体',
};
