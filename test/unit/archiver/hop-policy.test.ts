import { describe, expect, it } from 'vitest';
import { hopPolicy, isPublicAddress, publicOnlyLookup, refuseHop } from '../../../lambdas/archiver/hop-policy.ts';
import { parseFilesBaseUrl } from '../../../lambdas/core/links.ts';

const production = hopPolicy(parseFilesBaseUrl('https://files.dixa.io'));
const loopback = hopPolicy(parseFilesBaseUrl('http://127.0.0.1:8080'));

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    '::ffff:127.0.0.1',
    '::ffff:a9fe:a9fe',
    'fd00:ec2::254',
    'fe80::1',
    'fc00::1',
    '64:ff9b::a9fe:a9fe',
    'not an ip',
  ])('%s is not public', (address) => expect(isPublicAddress(address)).toBe(false));

  it.each(['1.1.1.1', '52.95.110.1', '172.32.0.1', '2600:1f18::1', '2a05:d018::1'])('%s is public', (address) =>
    expect(isPublicAddress(address)).toBe(true),
  );
});

describe('refuseHop in production', () => {
  it.each([
    ['http://files.dixa.io/private/x', /scheme http/],
    ['ftp://files.dixa.io/x', /scheme ftp/],
    ['file:///etc/passwd', /scheme file/],
    ['https://user:pw@files.dixa.io/private/x', /userinfo/],
    ['https://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is not public/],
    ['https://[fd00:ec2::254]/latest', /fd00:ec2::254 is not public/],
    ['https://127.1/', /127\.0\.0\.1 is not public/],
    ['https://2130706433/', /127\.0\.0\.1 is not public/],
    ['https://0x7f000001/', /127\.0\.0\.1 is not public/],
    ['https://[::ffff:127.0.0.1]/', /is not public/],
    ['https://10.0.0.5:8443/x', /10\.0\.0\.5 is not public/],
  ])('%s is refused', (url, reason) => expect(refuseHop(new URL(url), production)).toMatch(reason));

  it.each([
    'https://files.dixa.io/private/org/f',
    'https://dixa-files.s3.eu-west-1.amazonaws.com/a?X-Amz-Signature=1',
    'https://52.95.110.1/x',
  ])('%s is allowed', (url) => expect(refuseHop(new URL(url), production)).toBeUndefined());
});

describe('refuseHop with a loopback files host (tests, local mode)', () => {
  it('allows http and loopback addresses, still refuses other schemes and userinfo', () => {
    expect(loopback.loopback).toBe(true);
    expect(refuseHop(new URL('http://127.0.0.1:9999/blob/1'), loopback)).toBeUndefined();
    expect(refuseHop(new URL('ftp://127.0.0.1/x'), loopback)).toMatch(/scheme ftp/);
    expect(refuseHop(new URL('http://a:b@127.0.0.1/x'), loopback)).toMatch(/userinfo/);
    expect(production.loopback).toBe(false);
  });
});

describe('publicOnlyLookup', () => {
  const lookup = (host: string, all: boolean) =>
    new Promise<unknown>((resolve, reject) =>
      publicOnlyLookup(host, { all }, (error, address) => (error ? reject(error) : resolve(address))),
    );

  it.each([false, true])('refuses a host name that resolves to loopback (all: %s)', async (all) => {
    await expect(lookup('localhost', all)).rejects.toMatchObject({
      code: 'ENONPUBLIC',
      message: /localhost resolves to .* not public/,
    });
  });

  it('passes resolution errors through', async () => {
    await expect(lookup('does-not-exist.invalid', false)).rejects.toMatchObject({
      code: expect.stringMatching(/ENOTFOUND|EAI_AGAIN/),
    });
  });
});
