// The egress guard (SSRF): a source reaches only the hosts on its allowlist, and addresses in
// loopback, private, link-local, carrier-grade NAT, multicast or cloud-metadata ranges are refused
// unless the source AND the workspace allow private networks. The check runs on the addresses a
// connection actually uses (a custom DNS lookup in the HTTP agent), so DNS rebinding cannot slip
// past it, and every redirect hop is re-checked by the HTTP client.

import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { SourceError } from '../domain/index.js';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['fd00:ec2::', 32],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6 && address.toLowerCase().startsWith('::ffff:')) {
    const v4 = address.slice(7);
    if (isIP(v4) === 4) return blocked.check(v4, 'ipv4');
  }
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export interface EgressPolicy {
  /** Host names (exact, or `*.example.com` for subdomains) and IP literals the source may reach. */
  allow: readonly string[];
  /** Reaching private/loopback addresses: only when the source and the workspace both allow it. */
  allowPrivate: boolean;
}

export class EgressGuard {
  constructor(
    readonly source: string,
    private readonly policy: EgressPolicy,
  ) {}

  /** Refuses a URL whose scheme or host is not allowed (before any connection). */
  checkUrl(raw: string | URL): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new SourceError(`source ${this.source}: invalid URL`, { source: this.source });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new SourceError(`source ${this.source}: scheme ${url.protocol} is not allowed`, {
        source: this.source,
      });
    }
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (!this.hostAllowed(host)) {
      throw new SourceError(`source ${this.source}: host ${host} is not on its egress allowlist`, {
        source: this.source,
        host,
      });
    }
    if (isIP(host) !== 0) this.checkAddress(host, host);
    return url;
  }

  hostAllowed(host: string): boolean {
    return this.policy.allow.some((entry) => {
      const rule = entry.toLowerCase();
      return rule.startsWith('*.')
        ? host.endsWith(rule.slice(1)) && host.length > rule.length - 1
        : host === rule;
    });
  }

  checkAddress(host: string, address: string): void {
    if (!this.policy.allowPrivate && isPrivateAddress(address)) {
      throw new SourceError(
        `source ${this.source}: ${host} resolves to a private or reserved address (${address}); refused`,
        { source: this.source, host },
      );
    }
  }

  /** Checks a database host: allowlist, then every address it resolves to. */
  async checkHost(host: string): Promise<void> {
    const name = host.replace(/^\[|\]$/g, '').toLowerCase();
    if (!this.hostAllowed(name)) {
      throw new SourceError(`source ${this.source}: host ${name} is not on its egress allowlist`, {
        source: this.source,
        host: name,
      });
    }
    const addresses = isIP(name) !== 0 ? [{ address: name }] : await lookupAll(name);
    for (const a of addresses) this.checkAddress(name, a.address);
  }

  /** A DNS lookup for the HTTP agent that refuses disallowed resolved addresses. */
  lookup = (
    hostname: string,
    options: { all?: boolean; family?: number },
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      try {
        for (const a of addresses) this.checkAddress(hostname, a.address);
      } catch (refusal) {
        return callback(refusal as NodeJS.ErrnoException, []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

function lookupAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });
}
