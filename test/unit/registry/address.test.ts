import { describe, expect, test } from 'vitest';
import { type AddressClass, addressClass } from '../../../src/registry/http.js';

/** The hostname a URL parser hands ferry for `host`, e.g. `[::ffff:a9fe:a9fe]` for `[::ffff:169.254.169.254]`. */
const parsed = (host: string) => new URL(`https://${host}/`).hostname;

/** One address of every special IPv4 range, with the class the guard must give it. */
const SPECIAL_V4: [string, AddressClass][] = [
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['169.254.169.254', 'link-local'],
  ['169.254.0.1', 'link-local'],
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.254', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'private'],
  ['100.100.100.200', 'private'],
  ['100.127.255.254', 'private'],
  ['192.0.0.192', 'private'],
  ['198.18.0.1', 'private'],
  ['198.19.255.254', 'private'],
  ['224.0.0.1', 'reserved'],
  ['239.255.255.250', 'reserved'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'reserved'],
];

const PUBLIC_V4 = [
  '8.8.8.8',
  '172.15.255.255',
  '172.32.0.1',
  '100.63.255.255',
  '100.128.0.1',
  '192.169.0.1',
  '1.1.1.1',
];

/** Every IPv6 spelling that reaches (or names) the IPv4 address `v4`. */
function embeddings(v4: string): string[] {
  return [
    `[::ffff:${v4}]`, // IPv4-mapped
    `[::${v4}]`, // IPv4-compatible (deprecated, still parsed)
    `[::ffff:0:${v4}]`, // IPv4-translated (SIIT)
    `[64:ff9b::${v4}]`, // NAT64 well-known prefix
    `[0:0:0:0:0:ffff:${v4}]`, // mapped, written out in full
  ];
}

describe('addressClass', () => {
  test.each(SPECIAL_V4)('%s is %s', (ip, cls) => {
    expect(addressClass(ip)).toBe(cls);
    expect(addressClass(parsed(ip))).toBe(cls);
  });

  test.each(SPECIAL_V4)('%s embedded in IPv6 (dotted and hex-serialised) is %s as well', (ip, cls) => {
    for (const host of embeddings(ip)) {
      expect(addressClass(host), host).toBe(cls);
      // The URL parser rewrites the dotted tail to hex: [::ffff:169.254.169.254] → [::ffff:a9fe:a9fe].
      const hex = parsed(host);
      expect(hex, host).not.toContain('.');
      expect(addressClass(hex), `${host} as ${hex}`).toBe(cls);
    }
  });

  test('the addresses named in issue 15 are not public in their serialised form', () => {
    expect(parsed('[::ffff:169.254.169.254]')).toBe('[::ffff:a9fe:a9fe]');
    expect(addressClass('[::ffff:a9fe:a9fe]')).toBe('link-local');
    expect(addressClass(parsed('[::169.254.169.254]'))).toBe('link-local');
    expect(addressClass(parsed('[::ffff:10.0.0.1]'))).toBe('private');
    expect(addressClass(parsed('[::ffff:127.0.0.1]'))).toBe('loopback');
  });

  test.each(PUBLIC_V4)('%s stays public, plain and embedded', (ip) => {
    expect(addressClass(ip)).toBe('public');
    for (const host of embeddings(ip)) expect(addressClass(parsed(host)), host).toBe('public');
  });

  test.each<[string, AddressClass]>([
    ['[::1]', 'loopback'],
    ['[0:0:0:0:0:0:0:1]', 'loopback'],
    ['[::]', 'unspecified'],
    ['[fe80::1]', 'link-local'],
    ['[febf:ffff::1]', 'link-local'],
    ['[fc00::1]', 'private'],
    ['[fd00:ec2::254]', 'private'],
    ['[fec0::1]', 'private'],
    ['[64:ff9b:1::a00:1]', 'private'],
    ['[ff02::1]', 'reserved'],
    ['[2001:4860:4860::8888]', 'public'],
    ['[fe8::1]', 'public'],
    ['[fec::1]', 'public'],
    ['localhost', 'loopback'],
    ['registry.localhost', 'loopback'],
    ['registry.example.com', 'name'],
  ])('%s is %s', (host, cls) => {
    expect(addressClass(host)).toBe(cls);
  });

  test('loopback in every form, mapped ones included', () => {
    for (const host of ['127.0.0.1', '[::1]', 'localhost', parsed('[::ffff:127.0.0.1]'), parsed('[::127.0.0.2]')])
      expect(addressClass(host), host).toBe('loopback');
    for (const host of ['10.0.0.1', parsed('[::ffff:10.0.0.1]'), 'example.com', '[2001:db8::1]'])
      expect(addressClass(host), host).not.toBe('loopback');
  });
});
