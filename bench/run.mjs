#!/usr/bin/env node
// ferry vs skopeo sync on real registries (ISSUE 7 §4). Plain ESM, node built-ins and child_process only.
//
//   npm run bench                       all workloads, full size (builds ferry first)
//   BENCH=fleet,big npm run bench       a subset
//   BENCH_SCALE=0.1 npm run bench       smaller sizes and counts for a quick check
//   BENCH_CONCURRENCY=4                 passed to `ferry run --concurrency` (default: ferry's own)
//   BENCH_OUT=dir                       where results.md / results.json go (default: bench/)
//   BENCH_SKIP_SKOPEO=1                 ferry and the floor only
//   BENCH_FERRY=path/index.js           another ferry CLI bundle (default dist/cli/index.js)
//   BENCH_FERRY_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'   node flags for the ferry process
//   BENCH_MERGE=1                       keep the other workloads already in results.json (re-run some)
//   BENCH_FLOOR_SWEEP=fleet,multiarch   workloads whose write floor is also measured at 1, 2, 8 and 16
//                                       curl streams (the registry's own write limit); "none" for none
//   BENCH_TRACE=fleet,multiarch          workloads that get one more ferry cold run, into a fresh registry
//                                       through timing proxies (where the time goes); "none" for none
//   BENCH_NODE_FLOOR=fleet,big,multiarch workloads whose copy is also done by a bare undici client
//                                       (bench/lib/node-floor.mjs); "none" for none
//   BENCH_SKOPEO_10K=1                  run skopeo sync on scale-10k too (about 20 minutes here)
//   node bench/run.mjs --render-only    rewrite results.md and chart.svg from results.json and findings.md
//
// Per workload: a fresh source registry, a fresh destination for ferry, one for skopeo and one for
// the write floor. Phases run one after another, so each registry's access log can be cut per phase.
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir, cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Content } from './lib/content.mjs';
import { copyFloor, writeFloor } from './lib/floor.mjs';
import { blobTraffic, countByMethod, startRegistry, writesOf } from './lib/registry.mjs';
import { chart } from './lib/chart.mjs';
import { render } from './lib/report.mjs';
import { seedOnDisk, seedWithHttp, seedWithSkopeo, verifyCopy } from './lib/seed.mjs';
import { runFerry, runSkopeoSync, timed, writeFerryConfig } from './lib/tools.mjs';
import { analyse, startProxy } from './lib/trace.mjs';
import { apiCountsSince, startHarbor } from './lib/vendor.mjs';
import { WORKLOADS, fmt } from './lib/workloads.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ferryBin = resolve(process.env.BENCH_FERRY ?? resolve(here, '..', 'dist', 'cli', 'index.js'));
const args = process.argv.slice(2);
const argOf = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = (
  argOf('only') ??
  process.env.BENCH ??
  'fleet,big,tags,multiarch,scale-1k,scale-10k,harbor-noop,harbor-both,crossrun'
)
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const scale = Number(argOf('scale') ?? process.env.BENCH_SCALE ?? 1);
const concurrency = Number(argOf('concurrency') ?? process.env.BENCH_CONCURRENCY ?? 0) || undefined;
const outDir = resolve(argOf('out') ?? process.env.BENCH_OUT ?? here);
const skipSkopeo = process.env.BENCH_SKIP_SKOPEO === '1' || args.includes('--skip-skopeo');
const floorSweep = (process.env.BENCH_FLOOR_SWEEP ?? 'fleet,big,multiarch').split(',').map((s) => s.trim());
const SWEEP_STREAMS = [1, 2, 8, 16];
const traced = (process.env.BENCH_TRACE ?? 'fleet,multiarch').split(',').map((s) => s.trim());
// Workloads whose copy is also done by a bare Node client (bench/lib/node-floor.mjs): what the copy
// costs in Node without ferry's code.
const nodeFloors = (process.env.BENCH_NODE_FLOOR ?? 'fleet,big,multiarch').split(',').map((s) => s.trim());

if (args.includes('--render-only')) {
  // After editing findings.md: the tables come from results.json as they are, nothing is run.
  const results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8'));
  const notes = join(here, 'findings.md');
  writeFileSync(
    join(outDir, 'results.md'),
    render(results, existsSync(notes) ? readFileSync(notes, 'utf8') : undefined),
  );
  writeFileSync(join(outDir, 'chart.svg'), chart(results));
  process.exit(0);
}
for (const w of only)
  if (!WORKLOADS[w]) throw new Error(`unknown workload ${w} (known: ${Object.keys(WORKLOADS).join(', ')})`);
if (!(scale > 0)) throw new Error('BENCH_SCALE must be > 0');
if (!existsSync(ferryBin)) throw new Error(`${ferryBin} is missing: run npm run build`);

const log = (s) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}`);
const perTag = (counts, tags) => +(counts.total / tags).toFixed(3);

const env = {
  date: new Date().toISOString(),
  node: process.version,
  skopeo: execFileSync('skopeo', ['--version']).toString().trim(),
  registry: execFileSync('/usr/bin/docker-registry', ['--version']).toString().trim(),
  curl: execFileSync('curl', ['--version']).toString().split('\n')[0],
  cpus: cpus().length,
  memGiB: +(totalmem() / 2 ** 30).toFixed(1),
  loadavgStart: loadavg().map((x) => +x.toFixed(2)),
  scale,
  concurrency: concurrency ?? 'ferry default',
};
const merge = process.env.BENCH_MERGE === '1' || args.includes('--merge');
const results = { env, workloads: [] };
if (merge && existsSync(join(outDir, 'results.json'))) {
  const prev = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8'));
  results.workloads = (prev.workloads ?? []).filter((w) => !only.includes(w.name));
  // Chained, so an earlier merge's dates are not lost.
  env.merged = `workloads ${only.join(', ')} re-run on ${env.date}; ${prev.env?.merged ? `before that: ${prev.env.merged}` : `the others kept from ${prev.env?.date}`}`;
}
const psi = () => {
  try {
    return readFileSync('/proc/pressure/memory', 'utf8')
      .split('\n')[1]
      ?.replace(/ total=.*/, '');
  } catch {
    return undefined;
  }
};
{
  const { timed } = await import('./lib/tools.mjs');
  const base = mkdtempSync(join(tmpdir(), 'ferry-bench-base-'));
  const a = await timed(process.execPath, [ferryBin, '--version'], { env: process.env, logFile: join(base, 'v.log') });
  const b = await timed(process.execPath, ['-e', '0'], { env: process.env, logFile: join(base, 'n.log') });
  env.baselineRssMiB = a.maxRssKiB ? +(a.maxRssKiB / 1024).toFixed(1) : undefined;
  env.nodeRssMiB = b.maxRssKiB ? +(b.maxRssKiB / 1024).toFixed(1) : undefined;
  env.ferryBin = ferryBin;
  rmSync(base, { recursive: true, force: true });
}

/**
 * One measured phase: requests each registry's access log gained (regs[0] is 'src', the last 'dst'),
 * and with `apis` (fake vendor APIs in front of the source and/or the destination) each API's requests
 * as srcApi / dstApi.
 */
async function phase(name, regs, fn, { shared, apis = {} } = {}) {
  const offsets = regs.map((r) => r.logOffset());
  const apiFrom = Object.fromEntries(Object.entries(apis).map(([side, a]) => [side, a?.requests.length]));
  const cpu0 = regs.map((r) => r.cpuSeconds());
  const out = await fn();
  // CPU the registries used in this phase: on 2 shared cores the copy's real cost (source reads,
  // destination hashing and writes, the tool's own work) is CPU, not wall time alone.
  const cpu = Object.fromEntries(regs.map((r, i) => [i === 0 ? 'src' : 'dst', +(r.cpuSeconds() - cpu0[i]).toFixed(2)]));
  const counts = {};
  let sharedBlob;
  for (const [i, r] of regs.entries()) {
    const text = await r.textSince(offsets[i]);
    counts[i === 0 ? 'src' : 'dst'] = countByMethod(text);
    if (shared && i === regs.length - 1) sharedBlob = { digest: shared.digest, ...blobTraffic(text, shared.digest) };
  }
  for (const [side, a] of Object.entries(apis)) if (a) counts[`${side}Api`] = apiCountsSince(a, apiFrom[side]);
  if (sharedBlob)
    log(
      `  shared blob at the destination: uploaded ${sharedBlob.uploads}× (${sharedBlob.uploadedTo.join(' ')}), mounted ${sharedBlob.mounts}×, mounts refused ${sharedBlob.mountsRefused}`,
    );
  log(
    `  ${name}: ${out.seconds.toFixed(2)} s, src ${JSON.stringify(counts.src)}${counts.srcApi ? `, src API ${JSON.stringify(counts.srcApi)}` : ''}, dst ${JSON.stringify(counts.dst)}${counts.dstApi ? `, dst API ${JSON.stringify(counts.dstApi)}` : ''}${out.maxRssKiB ? `, maxRSS ${(out.maxRssKiB / 1024).toFixed(1)} MiB` : ''}${out.code ? `, EXIT ${out.code}` : ''}`,
  );
  return {
    seconds: +out.seconds.toFixed(3),
    exitCode: out.code,
    peakRssMiB: out.maxRssKiB ? +(out.maxRssKiB / 1024).toFixed(1) : undefined,
    cpuSeconds: { ...(out.cpuSeconds !== undefined ? { tool: +out.cpuSeconds.toFixed(2) } : {}), registries: cpu },
    src: counts.src,
    ...(counts.srcApi ? { srcApi: counts.srcApi } : {}),
    dst: counts.dst,
    ...(counts.dstApi ? { dstApi: counts.dstApi } : {}),
    loadavg: loadavg()[0],
    memoryPressure: psi(),
    ...(sharedBlob ? { sharedBlob } : {}),
    ...(out.extra ?? {}),
  };
}

function ferryTotals(report) {
  if (!report) return undefined;
  return { totals: report.totals, ruleErrors: report.ruleErrors?.length ?? 0 };
}

/** The manifests a copy writes, unique by digest: [image manifests under indexes, top-level manifests]. */
/** CPU seconds of this process's children that have ended (the curl processes of a floor). */
function childrenCpuSeconds() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // cutime and cstime, fields 16 and 17 of proc(5), in clock ticks (100 per second on Linux).
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function manifestLevels(repos) {
  const children = new Map();
  const tops = new Map();
  for (const { tags } of repos)
    for (const { top } of tags) {
      for (const c of top.children ?? []) children.set(c.digest, c);
      tops.set(top.digest, top);
    }
  return [[...children.values()], [...tops.values()]];
}

async function runWorkload(name) {
  const work = mkdtempSync(join(tmpdir(), `ferry-bench-${name}-`));
  const regs = [];
  /** Fake vendor APIs: src in front of the source registry, dst in front of ferry's destination. */
  const vendors = {};
  let r;
  try {
    log(`${name}: generating content (scale ${scale})`);
    const t0 = performance.now();
    const content = new Content(join(work, 'layout'));
    const w = WORKLOADS[name](content, scale);
    const tags = w.repos.reduce((n, r) => n + r.tags.length, 0);
    const blobs = content.uniqueBlobs();
    const uniqueBytes = blobs.reduce((s, b) => s + b.size, 0);
    log(
      `${name}: ${w.description}; ${tags} tags, ${blobs.length} unique blobs, ${fmt(uniqueBytes)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );

    const [src, dstFerry, dstSkopeo, floorReg] = await Promise.all(
      ['src', 'dst-ferry', 'dst-skopeo', 'floor'].map((n) => startRegistry(`${name}-${n}`)),
    );
    regs.push(src, dstFerry, dstSkopeo, floorReg);

    const t1 = performance.now();
    if (w.seed === 'skopeo') await seedWithSkopeo(content, w, src);
    else if (w.seed === 'disk') seedOnDisk(content, w, src);
    else await seedWithHttp(content, w, src);
    const seedSeconds = (performance.now() - t1) / 1000;
    const srcWrong = await verifyCopy(w, src);
    if (srcWrong.length) throw new Error(`seeding ${name} failed: ${srcWrong.slice(0, 3).join('; ')}`);
    log(`${name}: seeded ${src.host} with ${w.seed} in ${seedSeconds.toFixed(1)} s`);
    for (const v of [w.vendor, w.dstVendor]) if (v && v !== 'harbor') throw new Error(`no fake API for vendor ${v}`);
    if (w.vendor) {
      vendors.src = await startHarbor(w, src);
      log(`${name}: fake Harbor API at ${vendors.src.url} in front of ${src.host}`);
    }
    if (w.dstVendor) {
      vendors.dst = await startHarbor(w, dstFerry, { empty: true });
      log(`${name}: fake Harbor API at ${vendors.dst.url} in front of ${dstFerry.host} (ferry's destination)`);
    }
    // Blobs the destinations already hold (crossrun) are not part of the write floor.
    let floorBlobs = blobs;
    let floorMounts = [];
    const preseeded = new Set(w.preseed?.map((p) => p.repo));
    const floorManifests = manifestLevels(w.repos.filter((p) => !preseeded.has(p.repo)));
    if (w.preseed) {
      const pre = { ...w, repos: w.preseed };
      for (const d of [dstFerry, dstSkopeo, floorReg]) await seedWithHttp(content, pre, d);
      const held = new Map();
      for (const p of w.preseed) for (const t of p.tags) for (const b of t.top.blobs) held.set(b.digest, p.repo);
      floorBlobs = blobs.filter((b) => !held.has(b.digest));
      const needed = new Set(
        w.repos
          .filter((p) => !preseeded.has(p.repo))
          .flatMap((p) => p.tags.flatMap((t) => t.top.blobs.map((b) => b.digest))),
      );
      floorMounts = [...needed].filter((d) => held.has(d)).map((digest) => ({ digest, from: held.get(digest) }));
      log(
        `${name}: both destinations and the floor's registry hold ${w.preseed.length} of ${w.repos.length} repositories before the runs`,
      );
    }

    r = {
      name,
      startedAt: new Date().toISOString(),
      loadavgStart: loadavg().map((x) => +x.toFixed(2)),
      memoryPressureStart: psi(),
      description: w.description,
      tags,
      repositories: w.repos.length,
      uniqueBlobs: blobs.length,
      uniqueMiB: +(uniqueBytes / 2 ** 20).toFixed(1),
      seededWith: w.seed,
      seedSeconds: +seedSeconds.toFixed(1),
      ...(w.preseed ? { preseeded: w.preseed.length } : {}),
      ...(w.filter ? { filter: w.filter } : {}),
      ...(w.vendor ? { vendor: w.vendor } : {}),
      ...(w.dstVendor ? { dstVendor: w.dstVendor } : {}),
    };

    // What the write floor (and the copy floor's writing half) uploads, mounts and puts.
    const floorWrites = { workDir: work, blobs: floorBlobs, manifests: floorManifests, mounts: floorMounts };
    if (w.floor !== false) {
      log(`${name}: write floor (curl, 4 streams) → ${floorReg.host}`);
      r.floor = await phase('floor', [floorReg], async () => {
        const f = await writeFloor(content, floorReg, floorWrites);
        return {
          seconds: f.seconds,
          extra: {
            blobs: f.blobs,
            MiB: +(f.bytes / 2 ** 20).toFixed(1),
            streams: 4,
            manifests: f.manifests,
            withManifestsSeconds: +f.withManifests.toFixed(3),
          },
        };
      });
      // The floor registry's requests are in r.floor.src (it is the only registry of that phase).
      r.floor.requests = r.floor.src;
      delete r.floor.src;
      delete r.floor.dst;
    }
    if (floorSweep.includes(name) && w.floor !== false) {
      // The registry's own write limit: the same uploads at other curl concurrencies, each on a fresh registry.
      r.floorSweep = [{ streams: 4, seconds: r.floor.seconds }];
      for (const streams of SWEEP_STREAMS) {
        const reg = await startRegistry(`${name}-floor-${streams}`);
        try {
          const f = await writeFloor(content, reg, { workDir: work, blobs: floorBlobs, streams });
          r.floorSweep.push({ streams, seconds: +f.seconds.toFixed(3) });
          log(`  floor with ${streams} curl streams: ${f.seconds.toFixed(2)} s`);
        } finally {
          await reg.stop().catch(() => undefined);
        }
      }
      r.floorSweep.sort((a, b) => a.streams - b.streams);
      r.floorBest = r.floorSweep.reduce((m, x) => (x.seconds < m.seconds ? x : m));
    }

    if (w.floor !== false) {
      // The copy floor: the source's reads and the destination's writes at the same time, by curl.
      const copyReg = await startRegistry(`${name}-copy-floor`);
      regs.push(copyReg);
      if (w.preseed) await seedWithHttp(content, { ...w, repos: w.preseed }, copyReg);
      const holder = new Map();
      for (const p of w.repos.filter((x) => !preseeded.has(x.repo)))
        for (const t of p.tags) {
          for (const b of t.top.blobs) if (!holder.has(b.digest)) holder.set(b.digest, p.repo);
          for (const m of [t.top, ...(t.top.children ?? [])]) if (!holder.has(m.digest)) holder.set(m.digest, p.repo);
        }
      const reads = [
        ...floorBlobs.map((b) => ({ path: `/v2/${holder.get(b.digest)}/blobs/${b.digest}`, size: b.size })),
        ...floorManifests
          .flat()
          .map((m) => ({ path: `/v2/${holder.get(m.digest)}/manifests/${m.digest}`, size: m.size })),
      ];
      log(`${name}: copy floor (curl, 4 streams: ${src.host} reads while ${copyReg.host} writes)`);
      r.copyFloor = await phase('copy floor', [src, copyReg], async () => {
        const curlCpu = childrenCpuSeconds();
        const f = await copyFloor(content, src, copyReg, { reads, ...floorWrites });
        return {
          seconds: f.seconds,
          // The curl processes' own CPU: cheap, not nothing.
          cpuSeconds: childrenCpuSeconds() - curlCpu,
          extra: { readSeconds: +f.readSeconds.toFixed(3), writeSeconds: +f.writeSeconds.toFixed(3), reads: f.reads },
        };
      });
      if (nodeFloors.includes(name)) {
        // The same copy by a bare undici client (GET → sha256 → PUT, 8 blobs at a time), in a process
        // of its own timed as ferry is: from spawn to exit, CPU by GNU time.
        const nodeReg = await startRegistry(`${name}-node-floor`);
        regs.push(nodeReg);
        const planFile = join(work, 'node-floor.json');
        writeFileSync(
          planFile,
          JSON.stringify({
            source: src.url,
            destination: nodeReg.url,
            blobs: floorBlobs.map((b) => ({
              path: `/v2/${holder.get(b.digest)}/blobs/${b.digest}`,
              digest: b.digest,
              size: b.size,
            })),
            manifests: floorManifests.map((level) =>
              level.map((m) => ({
                path: `/v2/${holder.get(m.digest)}/manifests/${m.digest}`,
                digest: m.digest,
                mediaType: m.mediaType,
              })),
            ),
          }),
        );
        log(`${name}: node floor (bare undici, 8 blobs at a time: ${src.host} → ${nodeReg.host})`);
        r.nodeFloor = await phase('node floor', [src, nodeReg], async () => {
          const out = await timed(process.execPath, [join(here, 'lib', 'node-floor.mjs'), planFile], {
            env: process.env,
            logFile: join(work, 'node-floor.log'),
            cwd: resolve(here, '..'),
          });
          if (out.code !== 0) throw new Error(`node floor failed: ${out.output.slice(0, 500)}`);
          return { ...out, code: undefined };
        });
      }
    }

    const config = join(work, 'replication.yaml');
    writeFerryConfig(config, src, dstFerry, {
      name: w.filter,
      source: vendors.src?.registry,
      destination: vendors.dst?.registry,
    });
    r.ferry = {};
    for (const kind of ['cold', 'noop']) {
      log(`${name}: ferry ${kind}`);
      const report = join(work, `ferry-${kind}.json`);
      let totals;
      r.ferry[kind] = await phase(
        `ferry ${kind}`,
        [src, dstFerry],
        async () => {
          const out = await runFerry({
            ferryBin,
            config,
            report,
            concurrency,
            logFile: join(work, `ferry-${kind}.log`),
            workDir: work,
          });
          totals = ferryTotals(out.report);
          if (out.code !== 0) {
            const lines = out.output.split('\n');
            const bad = lines.filter((l) => /error|fail/i.test(l));
            log(`  ferry exited ${out.code}:\n${(bad.length ? bad : lines.slice(-10)).slice(0, 10).join('\n')}`);
          }
          return out;
        },
        { shared: kind === 'cold' ? w.shared : undefined, apis: { src: vendors.src?.api, dst: vendors.dst?.api } },
      );
      r.ferry[kind].report = totals;
      if (kind === 'cold') {
        const wrong = await verifyCopy(w, dstFerry);
        r.ferry.verified =
          wrong.length === 0
            ? 'all tags match the source digests'
            : `${wrong.length} tags wrong: ${wrong.slice(0, 3).join('; ')}`;
        log(`  verify ferry: ${r.ferry.verified}`);
        if (vendors.dst) {
          // Outside the measured phases: what Harbor would have recorded as ferry pushed.
          await vendors.dst.refresh();
          log(`  fake Harbor API at the destination now lists what ferry pushed`);
        }
      }
    }

    if (w.skopeo === false) r.skopeoNote = w.skopeoNote;
    if (!skipSkopeo && w.skopeo !== false) {
      r.skopeo = {};
      for (const kind of ['cold', 'noop']) {
        log(`${name}: skopeo sync ${kind}`);
        r.skopeo[kind] = await phase(
          `skopeo ${kind}`,
          [src, dstSkopeo],
          async () => {
            const out = await runSkopeoSync({
              workload: w,
              src,
              dst: dstSkopeo,
              workDir: work,
              logFile: join(work, `skopeo-${kind}.log`),
            });
            if (out.code !== 0) log(`  skopeo exited ${out.code}:\n${out.output.slice(-2000)}`);
            return out;
          },
          { shared: kind === 'cold' ? w.shared : undefined },
        );
        if (kind === 'cold') {
          const wrong = await verifyCopy(w, dstSkopeo);
          r.skopeo.verified =
            wrong.length === 0
              ? 'all tags match the source digests'
              : `${wrong.length} tags wrong: ${wrong.slice(0, 3).join('; ')}`;
          log(`  verify skopeo: ${r.skopeo.verified}`);
        }
      }
    }

    // The traced run's proxies sit in front of the registries, not of a vendor API.
    if (traced.includes(name) && !w.vendor && !w.dstVendor) {
      // Not part of the measured phases: the proxies run in this process and add their own latency.
      log(`${name}: ferry cold through timing proxies → fresh registry`);
      const dstTrace = await startRegistry(`${name}-trace`);
      regs.push(dstTrace);
      const events = [];
      const [ps, pd] = await Promise.all([startProxy(src, 'src', events), startProxy(dstTrace, 'dst', events)]);
      try {
        const cfg = join(work, 'trace.yaml');
        writeFerryConfig(cfg, ps, pd, { name: w.filter });
        const spawnAt = performance.now();
        const out = await runFerry({
          ferryBin,
          config: cfg,
          report: join(work, 'ferry-trace.json'),
          concurrency,
          logFile: join(work, 'ferry-trace.log'),
          workDir: work,
        });
        r.trace = {
          seconds: +out.seconds.toFixed(3),
          exitCode: out.code,
          ...analyse(events, spawnAt, spawnAt + out.seconds * 1000),
        };
        log(`  traced: ${JSON.stringify({ ...r.trace, kinds: undefined })}`);
      } finally {
        await Promise.all([ps.stop(), pd.stop()]);
      }
    }

    r.loadavgEnd = loadavg().map((x) => +x.toFixed(2));
    r.memoryPressureEnd = psi();
    for (const tool of ['ferry', 'skopeo']) {
      const t = r[tool];
      if (!t) continue;
      t.peakRssMiB = Math.max(t.cold.peakRssMiB ?? 0, t.noop.peakRssMiB ?? 0) || undefined;
      // At a vendor registry, a side's requests per tag are its API's and its registry's together.
      const side = (p) => ({
        src: perTag({ total: p.src.total + (p.srcApi?.total ?? 0) }, tags),
        ...(p.srcApi ? { srcRegistry: perTag(p.src, tags), srcApi: perTag(p.srcApi, tags) } : {}),
        dst: perTag({ total: p.dst.total + (p.dstApi?.total ?? 0) }, tags),
        ...(p.dstApi ? { dstRegistry: perTag(p.dst, tags), dstApi: perTag(p.dstApi, tags) } : {}),
      });
      t.noopPerTag = side(t.noop);
      t.coldPerTag = side(t.cold);
      t.noopWrites = writesOf(t.noop.dst) + (t.noop.dstApi ? writesOf(t.noop.dstApi) : 0);
    }
    return r;
  } finally {
    for (const [side, vendor] of Object.entries(vendors)) {
      // The fake checks every exchange against Harbor's published API description: a request or an
      // answer outside it makes the workload's numbers suspect, so it is recorded with them.
      const stopped = await vendor.api.stop().then(
        () => undefined,
        (e) => String(e.message ?? e),
      );
      if (r)
        r[side === 'src' ? 'vendorApi' : 'dstVendorApi'] = {
          url: vendor.url,
          violations: vendor.api.violations.slice(0, 10),
          undocumented: [...vendor.api.undocumented],
          ...(stopped ? { stopError: stopped.slice(0, 500) } : {}),
        };
      if (stopped) log(`${name}: fake ${vendor.vendor} API (${side}): ${stopped.slice(0, 500)}`);
    }
    for (const reg of regs) await reg.stop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

mkdirSync(outDir, { recursive: true });
const save = () => {
  env.loadavgEnd = loadavg().map((x) => +x.toFixed(2));
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const notes = join(here, 'findings.md');
  writeFileSync(
    join(outDir, 'results.md'),
    render(results, existsSync(notes) ? readFileSync(notes, 'utf8') : undefined),
  );
  writeFileSync(join(outDir, 'chart.svg'), chart(results));
};
const order = Object.keys(WORKLOADS);
const place = (w) => {
  results.workloads.push(w);
  results.workloads.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
};
for (const name of only) {
  try {
    place(await runWorkload(name));
  } catch (e) {
    log(`${name}: FAILED: ${e.stack ?? e}`);
    place({ name, error: String(e.message ?? e) });
    process.exitCode = 1;
  }
  save();
}
log(`wrote ${join(outDir, 'results.md')} and results.json`);
console.error(`bench/chart.svg and bench/results.md written`);
