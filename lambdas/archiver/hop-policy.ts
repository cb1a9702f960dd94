/**
 * Where a download may go. Every hop — the job's link and each redirect — is checked before we connect:
 * https only (plain http only when the configured files host is on loopback: tests and local mode), no userinfo,
 * and in production no address that is not public (loopback, private, link-local such as the instance metadata
 * service, ...), neither as an IP literal in the URL nor as what a host name resolves to.
 */
import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { type FilesOrigin, isLoopbackHostname } from '../core/links.ts';

// Two lists: a BlockList matches IPv4 queries against IPv6 rules too (as ::ffff:a.b.c.d), which the IPv4-mapped
// rule below would turn into "every IPv4 address".
const NON_PUBLIC_V4 = new BlockList();
const NON_PUBLIC_V6 = new BlockList();
for (const [network, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, incl. 169.254.169.254 (instance metadata)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. 255.255.255.255
] as const) {
  NON_PUBLIC_V4.addSubnet(network, bits, 'ipv4');
}
for (const [network, bits] of [
  ['::', 127], // :: and ::1
  ['::ffff:0:0', 96], // IPv4-mapped
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 32], // Teredo
  ['2001:db8::', 32],
  ['2002::', 16], // 6to4
  ['fc00::', 7], // unique local, incl. fd00:ec2::254 (instance metadata)
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC_V6.addSubnet(network, bits, 'ipv6');
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4 ? !NON_PUBLIC_V4.check(address, 'ipv4') : !NON_PUBLIC_V6.check(address, 'ipv6');
}

export interface HopPolicy {
  files: FilesOrigin;
  /** The files host is on loopback (tests, local mode): http and loopback addresses are allowed. */
  loopback: boolean;
}

export function hopPolicy(files: FilesOrigin): HopPolicy {
  return { files, loopback: isLoopbackHostname(new URL(files.origin).hostname) };
}

/** Why a hop is refused, or undefined when it may be fetched. */
export function refuseHop(url: URL, policy: HopPolicy): string | undefined {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.loopback)) {
    return `scheme ${url.protocol.replace(/:$/, '')} is not allowed`;
  }
  if (url.username !== '' || url.password !== '') return 'redirect carries userinfo';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!policy.loopback && isIP(host) !== 0 && !isPublicAddress(host)) return `address ${host} is not public`;
  return undefined;
}

export class NonPublicAddressError extends Error {
  override name = 'NonPublicAddressError';
  readonly code = 'ENONPUBLIC';
}

/** A DNS lookup that refuses host names resolving to non-public addresses (so DNS cannot smuggle in an SSRF). */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, options, (error, address, family) => {
    if (error) return callback(error, address, family);
    const addresses = Array.isArray(address) ? address.map((a) => a.address) : [address];
    const refused = addresses.find((a) => !isPublicAddress(a));
    if (refused !== undefined) {
      return callback(new NonPublicAddressError(`${hostname} resolves to ${refused}, which is not public`), '', 0);
    }
    callback(null, address, family);
  });
};
