// The demo workspace's third parties, started in-process by `custos serve` when custos.yaml says
// `demo.simulators: true`: the partner credit API on 127.0.0.1 and the partner bank database file.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Workspace } from '../../workspace/index.js';
import { type NoticeSite, startNoticeSite } from './notice-site.js';
import { type PartnerApi, startPartnerApi } from './partner-api.js';
import { seedPartnerSqlite } from './partner-db.js';

export interface DemoSimulators {
  partnerApi: PartnerApi;
  noticeSite: NoticeSite;
  close(): Promise<void>;
}

export async function startDemoSimulators(workspace: Workspace): Promise<DemoSimulators | undefined> {
  const demo = workspace.config.demo;
  if (!demo?.simulators) return undefined;
  seedPartnerSqlite(path.join(workspace.dir, 'data', 'partner-bank.db'));
  const key = readFileSync(path.join(workspace.dir, 'simulators', 'partner-api.key'), 'utf8').trim();
  const partnerApi = await startPartnerApi({
    records: 250,
    port: demo.partnerApiPort,
    auth: { type: 'api_key', in: 'header', name: 'X-Api-Key', value: key },
  });
  let noticeSite: Awaited<ReturnType<typeof startNoticeSite>>;
  try {
    noticeSite = await startNoticeSite({ notices: 60, port: demo.noticeSitePort });
  } catch (error) {
    // Port taken: leave nothing listening, or the process could not exit.
    await partnerApi.close();
    throw error;
  }
  return {
    partnerApi,
    noticeSite,
    close: async () => {
      await partnerApi.close();
      await noticeSite.close();
    },
  };
}
