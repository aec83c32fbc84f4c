// Where a cold copy's time goes: a timing reverse proxy in front of each registry records every request
// (start, end, status, upload session) with sub-millisecond clocks; analyse() turns the events into the
// numbers bench/results.md shows (planning vs copying, requests in flight, the per-blob chain).
import { performance } from 'node:perf_hooks';
import { Agent, createServer, request } from 'node:http';
import { kindOf } from './registry.mjs';

/** A proxy to `target` (a registry from startRegistry) that appends one event per request to `events`. */
export function startProxy(target, side, events) {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const upstream = new URL(target.url);
  const server = createServer((req, res) => {
    const ev = { side, method: req.method, path: req.url, kind: kindOf(req.url), start: performance.now() };
    const up = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers, // Host kept: the registry builds Location URLs that point back at the proxy
        agent,
      },
      (ures) => {
        ev.status = ures.statusCode;
        ev.firstByte = performance.now();
        if (ures.headers.location) ev.location = ures.headers.location;
        res.writeHead(ures.statusCode, ures.headers);
        ures.pipe(res);
        ures.on('end', () => {
          ev.end = performance.now();
          events.push(ev);
        });
      },
    );
    up.on('error', (e) => {
      ev.end = performance.now();
      ev.status = 599;
      events.push(ev);
      res.destroy(e);
    });
    req.pipe(up);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        host: `127.0.0.1:${port}`,
        stop: () =>
          new Promise((r) => {
            agent.destroy();
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

const q = (xs, p) => {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const r1 = (x) => (x === undefined ? undefined : +x.toFixed(1));

/** Union length of [start, end] intervals, in ms. */
function busy(evs) {
  const iv = evs.map((e) => [e.start, e.end]).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let cur;
  for (const [s, e] of iv) {
    if (!cur || s > cur[1]) {
      if (cur) total += cur[1] - cur[0];
      cur = [s, e];
    } else cur[1] = Math.max(cur[1], e);
  }
  if (cur) total += cur[1] - cur[0];
  return total;
}

const uuidOf = (s) => /\/blobs\/uploads\/([0-9a-f-]{36})/.exec(s)?.[1];
const digestOf = (path) => {
  const d = decodeURIComponent(path);
  return /[?&]digest=(sha256:[0-9a-f]{64})/.exec(d)?.[1] ?? /\/blobs\/(sha256:[0-9a-f]{64})/.exec(d)?.[1];
};

/**
 * @param events proxy events of both sides
 * @param spawnAt performance.now() when the ferry process was started; exitAt when it exited
 */
export function analyse(events, spawnAt, exitAt) {
  const evs = events.filter((e) => e.end !== undefined).sort((a, b) => a.start - b.start);
  const first = evs[0]?.start ?? spawnAt;
  const last = Math.max(...evs.map((e) => e.end));
  const out = {
    wallMs: r1(exitAt - spawnAt),
    startupMs: r1(first - spawnAt), // process start, config, until the first request
    tailMs: r1(exitAt - last), // after the last response: report, exit
    requestsMs: r1(last - first),
    idleMs: r1(last - first - busy(evs)), // no request in flight on either side
    sides: {},
    kinds: [],
  };
  for (const side of ['src', 'dst']) {
    const s = evs.filter((e) => e.side === side);
    if (!s.length) continue;
    const sum = s.reduce((t, e) => t + (e.end - e.start), 0);
    // Peak number of requests in flight.
    const points = s.flatMap((e) => [
      [e.start, 1],
      [e.end, -1],
    ]);
    points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let cur = 0;
    let peak = 0;
    for (const [, d] of points) peak = Math.max(peak, (cur += d));
    out.sides[side] = {
      requests: s.length,
      busyMs: r1(busy(s)),
      meanInFlight: +(sum / (last - first)).toFixed(2),
      peakInFlight: peak,
    };
  }
  const groups = new Map();
  for (const e of evs) {
    const k = `${e.side} ${e.method} ${e.kind}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(e.end - e.start);
  }
  for (const [k, d] of [...groups].sort()) {
    out.kinds.push({
      what: k,
      n: d.length,
      totalMs: r1(d.reduce((a, b) => a + b, 0)),
      p50Ms: r1(q(d, 0.5)),
      p95Ms: r1(q(d, 0.95)),
    });
  }
  // Planning vs copying: manifest HEADs at the destination against the first blob write.
  const heads = evs.filter((e) => e.side === 'dst' && e.method === 'HEAD' && e.kind.startsWith('manifest'));
  const writes = evs.filter((e) => e.side === 'dst' && (e.method === 'POST' || e.method === 'PUT'));
  if (writes.length) {
    out.firstWriteMs = r1(writes[0].start - first);
    out.lastHeadMs = heads.length ? r1(Math.max(...heads.map((e) => e.end)) - first) : undefined;
    out.writesSpanMs = r1(Math.max(...writes.map((e) => e.end)) - writes[0].start);
  }
  // The per-blob chain: source GET, destination POST (upload or mount) → PUT ?digest=.
  const posts = new Map();
  for (const e of evs)
    if (e.side === 'dst' && e.method === 'POST' && e.kind !== 'other' && e.location) {
      const u = uuidOf(e.location);
      if (u) posts.set(u, e);
    }
  const gets = new Map();
  for (const e of evs) if (e.side === 'src' && e.method === 'GET' && e.kind === 'blob') gets.set(digestOf(e.path), e);
  const chains = [];
  for (const e of evs) {
    if (e.side !== 'dst' || e.method !== 'PUT' || e.kind !== 'upload') continue;
    const post = posts.get(uuidOf(e.path));
    const get = gets.get(digestOf(e.path));
    if (!post) continue;
    chains.push({
      postMs: post.end - post.start,
      postToPutMs: e.start - post.end, // ferry's own time between the session and the body
      putMs: e.end - e.start,
      getStartVsPostEndMs: get ? get.start - post.end : undefined, // < 0: the source GET started first
      getMs: get ? get.end - get.start : undefined,
      chainMs: e.end - post.start,
    });
  }
  if (chains.length) {
    const col = (k) => chains.map((c) => c[k]).filter((x) => x !== undefined);
    out.blobChain = { uploads: chains.length };
    for (const k of ['postMs', 'postToPutMs', 'putMs', 'getMs', 'getStartVsPostEndMs', 'chainMs'])
      out.blobChain[k] = { p50: r1(q(col(k), 0.5)), p95: r1(q(col(k), 0.95)) };
  }
  return out;
}
