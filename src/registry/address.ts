/**
 * Classifies the host a registry points ferry at (a redirect Location, a token realm), so that the
 * transport can refuse internal targets (RELIABILITY B2, B3). An IPv6 literal that carries an IPv4
 * address (mapped, compatible, translated, NAT64) is classified by that IPv4 address: otherwise
 * `[::ffff:169.254.169.254]`, which the URL parser serialises as `[::ffff:a9fe:a9fe]`, passed as public.
 */
import { isIP } from 'node:net';

export type AddressClass = 'loopback' | 'private' | 'link-local' | 'unspecified' | 'reserved' | 'public' | 'name';

/** Classifies a URL hostname: an IP literal by range, `localhost` as loopback, any other name as 'name'. */
export function addressClass(hostname: string): AddressClass {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return 'loopback';
  const v = isIP(h);
  if (v === 4) return ipv4Class(ipv4Octets(h));
  if (v !== 6) return 'name';
  return ipv6Class(ipv6Groups(h));
}

function ipv4Octets(ip: string): number[] {
  return ip.split('.').map(Number);
}

function ipv4Class([a = 0, b = 0, c = 0]: number[]): AddressClass {
  if (a === 127) return 'loopback';
  if (a === 0) return 'unspecified';
  if (a === 169 && b === 254) return 'link-local';
  if (
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    // Carrier-grade NAT, where some clouds put their metadata service (Alibaba: 100.100.100.200).
    (a === 100 && b >= 64 && b <= 127) ||
    // IETF protocol assignments (Oracle Cloud's legacy metadata 192.0.0.192) and benchmarking.
    (a === 192 && b === 0 && c === 0) ||
    (a === 198 && (b === 18 || b === 19))
  )
    return 'private';
  // Multicast, the reserved 240/4 and the limited broadcast: never a registry's CDN or realm.
  if (a >= 224) return 'reserved';
  return 'public';
}

/** The eight 16-bit groups of a valid IPv6 literal (`isIP` said 6; no zone index: URLs have none). */
function ipv6Groups(ip: string): number[] {
  let text = ip;
  const tail: number[] = [];
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Octets(dotted[1]);
    tail.push((a << 8) | b, (c << 8) | d);
    // Keep a `::` that ends right before the IPv4 part; drop a single separating colon.
    text = text.slice(0, dotted.index + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const parse = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const gap = text.indexOf('::');
  if (gap < 0) return [...parse(text), ...tail];
  const head = parse(text.slice(0, gap));
  const rest = [...parse(text.slice(gap + 2)), ...tail];
  return [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
}

function ipv6Class(g: number[]): AddressClass {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embedded = () => ipv4Class([g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff]);
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return 'unspecified';
  if (zeroTo(7) && g7 === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::ffff:0:a.b.c.d (translated): all reach a.b.c.d.
  if (zeroTo(5) && g5 === 0xffff) return embedded();
  if (zeroTo(6)) return embedded();
  if (zeroTo(4) && g4 === 0xffff && g5 === 0) return embedded();
  // 64:ff9b::/96, the NAT64 well-known prefix, translates to the embedded IPv4 address.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return embedded();
  // 64:ff9b:1::/48, NAT64 for local use: the IPv4 side is a private network.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'private';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  // Unique local fc00::/7, and the deprecated site-local fec0::/10.
  if ((g0 & 0xfe00) === 0xfc00 || (g0 & 0xffc0) === 0xfec0) return 'private';
  if ((g0 & 0xff00) === 0xff00) return 'reserved';
  return 'public';
}
