// Delivery of new alerts: a signed webhook and e-mail through the workspace's SMTP server.
//
// Webhook: POST application/json `{"alerts":[…]}` with
//   X-Custos-Timestamp: <Unix seconds>
//   X-Custos-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>  (or sm3=<HMAC-SM3>)
// The receiver recomputes the HMAC over the exact body and refuses stale timestamps (replays).

import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import { SourceError } from '../../domain/index.js';
import type { WorkspaceConfig } from '../../workspace/index.js';
import type { Alert } from './alert-service.js';

export type WebhookSettings = NonNullable<WorkspaceConfig['monitoring']['webhook']>;
export type EmailSettings = NonNullable<WorkspaceConfig['monitoring']['email']>;

export function webhookSignature(
  algorithm: WebhookSettings['signature'],
  secret: string,
  timestamp: string,
  body: string,
): string {
  const hash = algorithm === 'hmac-sm3' ? 'sm3' : 'sha256';
  return `${hash}=${createHmac(hash, secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

export async function deliverWebhook(
  settings: WebhookSettings,
  secret: string,
  alerts: readonly Alert[],
  now: Date = new Date(),
): Promise<void> {
  const body = JSON.stringify({ alerts });
  const timestamp = String(Math.floor(now.getTime() / 1000));
  let response: Response;
  try {
    response = await fetch(settings.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-custos-timestamp': timestamp,
        'x-custos-signature': webhookSignature(settings.signature, secret, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new SourceError('the alert webhook could not be reached', { url: settings.url }, { cause: error });
  }
  await response.body?.cancel();
  if (!response.ok) {
    throw new SourceError(`the alert webhook answered ${response.status}`, {
      url: settings.url,
      status: response.status,
    });
  }
}

export async function deliverEmail(
  settings: EmailSettings,
  password: string | undefined,
  alerts: readonly Alert[],
): Promise<void> {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    // Without implicit TLS, STARTTLS is required unless the workspace allows a clear connection.
    requireTLS: !settings.secure && !settings.allowInsecure,
    ignoreTLS: settings.allowInsecure,
    ...(settings.username && password !== undefined
      ? { auth: { user: settings.username, pass: password } }
      : {}),
  });
  try {
    const worst = alerts.some((a) => a.severity === 'critical')
      ? 'CRITICAL'
      : alerts[0]?.severity.toUpperCase();
    await transport.sendMail({
      from: settings.from,
      to: settings.to,
      subject: `[Custos ${worst}] ${alerts.length} new security alert${alerts.length === 1 ? '' : 's'}`,
      text: alerts
        .map(
          (a) =>
            `${a.severity.toUpperCase()} ${a.rule} — ${a.subject}\n  ${Object.entries(a.evidence)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ')}\n  first seen ${a.firstSeenAt}, id ${a.id}`,
        )
        .join('\n\n'),
    });
  } catch (error) {
    throw new SourceError(
      'the alert e-mail could not be sent',
      { host: settings.host, port: settings.port },
      { cause: error },
    );
  } finally {
    transport.close();
  }
}
