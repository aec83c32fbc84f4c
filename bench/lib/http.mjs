// Minimal registry HTTP client for seeding and verification (node:http, keep-alive).
import { createReadStream } from 'node:fs';
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

export function http(method, url, { headers = {}, body, bodyFile, bodyLength } = {}) {
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    if (body !== undefined) h['content-length'] = body.length;
    if (bodyFile !== undefined) h['content-length'] = bodyLength;
    if (body === undefined && bodyFile === undefined && (method === 'PUT' || method === 'POST'))
      h['content-length'] = 0;
    const req = request(url, { method, headers: h, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (bodyFile !== undefined) createReadStream(bodyFile).on('error', reject).pipe(req);
    else req.end(body);
  });
}

/** Runs `fn` over `items` with at most `n` at once. */
export async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

export function expectStatus(res, ok, what) {
  if (!ok.includes(res.status))
    throw new Error(`${what}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
  return res;
}
