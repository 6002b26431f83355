// Opens a source from its workspace declaration: picks the connector by `type`, validates the
// connector-specific settings with its spec (errors name sources.yaml and the path), and returns
// the Source the pipeline and the CLI use.

import { ConfigError, type ConfigIssue } from '../domain/index.js';
import type { SourceDeclaration } from '../workspace/index.js';
import { apiConnector } from './api/connector.js';
import { crawlerConnector } from './crawler/connector.js';
import { databaseConnector } from './database/connector.js';
import { fileConnector } from './file/connector.js';
import type { Connector, ConnectorContext, Source } from './types.js';

/** Every connector; the crawler adds itself here. */
export const connectors: Array<Connector<never>> = [
  apiConnector as Connector<never>,
  databaseConnector as Connector<never>,
  fileConnector as Connector<never>,
  crawlerConnector as Connector<never>,
];

const COMMON = new Set(['name', 'type', 'vendor', 'description', 'egress']);

export function connectorSettings(declaration: SourceDeclaration): Record<string, unknown> {
  return Object.fromEntries(Object.entries(declaration).filter(([key]) => !COMMON.has(key)));
}

/** Validates a declaration's connector settings at workspace load (every problem, with its path). */
export function validateSourceSettings(
  declaration: SourceDeclaration,
  file: string,
  index: number,
): ConfigIssue[] {
  const connector = connectors.find((c) => c.type === declaration.type);
  if (!connector) return [];
  const parsed = connector.spec.safeParse(connectorSettings(declaration));
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({
    file,
    path: ['sources', index, ...issue.path].map(String).join('.'),
    message: issue.message,
  }));
}

export function openSource(declaration: SourceDeclaration, context: ConnectorContext): Source {
  const connector = connectors.find((c) => c.type === declaration.type);
  if (!connector) {
    throw new ConfigError(`source ${declaration.name}: no connector for type ${declaration.type}`, [
      {
        file: 'sources.yaml',
        path: `${declaration.name}.type`,
        message: `type ${declaration.type} is not available in this build`,
      },
    ]);
  }
  const parsed = connector.spec.safeParse(connectorSettings(declaration));
  if (!parsed.success) {
    throw new ConfigError(
      `source ${declaration.name} has invalid settings`,
      parsed.error.issues.map((issue) => ({
        file: 'sources.yaml',
        path: [declaration.name, ...issue.path.map(String)].join('.'),
        message: issue.message,
      })),
    );
  }
  return connector.open(declaration, parsed.data as never, context);
}
