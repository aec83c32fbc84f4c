// Markdown rendering of bench results.
const n = (x, d = 2) => (x === undefined || x === null || Number.isNaN(x) ? '–' : Number(x).toFixed(d));
const methods = (c) =>
  c
    ? Object.entries(c)
        .filter(([k]) => /^[A-Z]+$/.test(k))
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '0'
    : '–';

/**
 * Requests a no-op cannot do without on a registry whose tag listing carries no digests: the ping, the
 * catalog (source), one tag list per repository and one HEAD per tag.
 */
const protocolFloor = (w, side) => w.tags + w.repositories + 1 + (side === 'src' ? 1 : 0);

/** ISSUE 7 §4 and issue 14 targets, checked against ferry's numbers. */
function targets(w) {
  const out = [];
  const f = w.ferry;
  const s = w.skopeo;
  if (!f) return out;
  const check = (what, value, limit, fmtv = (v) => n(v), note) =>
    out.push({ what, value: fmtv(value), limit: fmtv(limit), ok: value !== undefined && value <= limit, note });
  // With a single tag, the per-run fixed costs (process start, ping, catalog, tag list) are the whole no-op.
  const few = w.tags < 5 ? `${w.tags} tag: fixed per-run cost, not judged` : undefined;
  if (['fleet', 'big', 'multiarch'].includes(w.name)) {
    check('cold ÷ write floor (curl, 4 streams)', f.cold.seconds / w.floor.seconds, 1.25);
    if (w.floor.withManifestsSeconds)
      check('cold ÷ write floor incl. manifest PUTs', f.cold.seconds / w.floor.withManifestsSeconds, 1.25);
    if (w.copyFloor)
      check(
        "cold ÷ copy floor (curl: the source's reads and the destination's writes at once; the registries' limit)",
        f.cold.seconds / w.copyFloor.seconds,
        1.25,
      );
    if (w.floorBest)
      check(
        `cold ÷ registry's write limit (curl, best of 1–16 streams: ${w.floorBest.streams})`,
        f.cold.seconds / w.floorBest.seconds,
        1.25,
      );
  }
  if (w.nodeFloor)
    check(
      'cold ÷ node floor (the same copy by a bare undici client: GET → sha256 → PUT, no ferry code)',
      f.cold.seconds / w.nodeFloor.seconds,
      1.25,
    );
  if (s && ['fleet', 'multiarch'].includes(w.name)) {
    check('cold ÷ skopeo cold', f.cold.seconds / s.cold.seconds, 0.4);
    // Whether the target can be met at all, against the limits measured in this run: 0.4 × skopeo's
    // time must leave at least the floor's own.
    const reachable = (what, floor) =>
      out.push({
        what,
        value: n((0.4 * s.cold.seconds) / floor),
        limit: '1',
        cmp: '≥',
        ok: 0.4 * s.cold.seconds >= floor,
      });
    if (w.copyFloor)
      reachable(
        "0.4 × skopeo cold ÷ copy floor: can any client meet it here (the registries' limit)",
        w.copyFloor.seconds,
      );
    if (w.nodeFloor)
      reachable('0.4 × skopeo cold ÷ node floor: can a bare undici client meet it here', w.nodeFloor.seconds);
  }
  if (s && w.name === 'tags') check('cold ÷ skopeo cold', f.cold.seconds / s.cold.seconds, 0.2);
  if (w.name === 'scale-10k') check('cold ms per tag', (f.cold.seconds * 1000) / w.tags, 10, (v) => n(v, 1));
  if (w.name === 'crossrun' && f.cold.sharedBlob)
    check('shared base uploads (new repos)', f.cold.sharedBlob.uploads, 0, (v) => String(v));
  check('no-op writes', f.noopWrites, 0, (v) => String(v));
  if (w.vendor) check(`no-op src requests per tag (${w.vendor} API + registry)`, f.noopPerTag.src, 0.3, (v) => n(v, 3));
  else check('no-op src requests ÷ protocol floor', f.noop.src.total / protocolFloor(w, 'src'), 1, undefined, few);
  if (w.dstVendor)
    check(`no-op dst requests per tag (${w.dstVendor} API + registry)`, f.noopPerTag.dst, 0.3, (v) => n(v, 3));
  else check('no-op dst requests ÷ protocol floor', f.noop.dst.total / protocolFloor(w, 'dst'), 1, undefined, few);
  if (s) check('no-op ÷ skopeo no-op', f.noop.seconds / s.noop.seconds, 0.2, undefined, few);
  if (w.name === 'big') check('peak RSS MiB', f.peakRssMiB, 120, (v) => n(v, 1));
  return out;
}

function scaleSection(results) {
  const ws = results.workloads.filter((w) => !w.error && w.name.startsWith('scale-') && w.ferry);
  if (!ws.length) return [];
  const L = ['## Scale: thousands of small tags (issue 14)', ''];
  L.push(
    '| tags | ferry cold s | ms/tag | cold peak RSS MiB | no-op s | no-op peak RSS MiB | req/tag cold src · dst | req/tag no-op src · dst | curl floor s | cold ÷ floor | copy floor s | cold ÷ copy floor | skopeo cold s | skopeo no-op s | ferry ÷ skopeo cold |',
  );
  L.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const w of ws) {
    const f = w.ferry;
    L.push(
      `| ${w.tags.toLocaleString('en-US')} | ${n(f.cold.seconds)} | ${n((f.cold.seconds * 1000) / w.tags, 1)} | ${n(f.cold.peakRssMiB, 1)} | ${n(f.noop.seconds)} | ${n(f.noop.peakRssMiB, 1)} | ${n(f.coldPerTag.src)} · ${n(f.coldPerTag.dst)} | ${n(f.noopPerTag.src)} · ${n(f.noopPerTag.dst)} | ${n(w.floor.seconds)} | ${n(f.cold.seconds / w.floor.seconds)} | ${n(w.copyFloor?.seconds)} | ${n(f.cold.seconds / w.copyFloor?.seconds)} | ${w.skopeo ? n(w.skopeo.cold.seconds) : 'not run'} | ${w.skopeo ? n(w.skopeo.noop.seconds) : 'not run'} | ${w.skopeo ? n(f.cold.seconds / w.skopeo.cold.seconds) : '–'} |`,
    );
  }
  const a = ws.find((w) => w.name === 'scale-1k');
  const b = ws.find((w) => w.name === 'scale-10k');
  L.push('');
  if (a && b) {
    const r = (k) => b.ferry[k].peakRssMiB / a.ferry[k].peakRssMiB;
    L.push(
      `Peak RSS at ${b.tags.toLocaleString('en-US')} tags ÷ at ${a.tags.toLocaleString('en-US')} tags: cold **${n(r('cold'))}×**, no-op **${n(r('noop'))}×** (target ≤ 1.25×). ` +
        `Cold time per tag: ${n((a.ferry.cold.seconds * 1000) / a.tags, 1)} ms at ${a.tags.toLocaleString('en-US')}, ${n((b.ferry.cold.seconds * 1000) / b.tags, 1)} ms at ${b.tags.toLocaleString('en-US')} (target ≤ 10 ms at 10,000).`,
    );
    if (b.skopeoNote) L.push('', b.skopeoNote + '.');
    L.push('');
  }
  return L;
}

/** Workloads whose source (and destination) is listed through a vendor API whose listing carries digests. */
function vendorSection(results) {
  const ws = results.workloads.filter((w) => !w.error && (w.vendor || w.dstVendor) && w.ferry);
  if (!ws.length) return [];
  const L = ['## No-op at registries whose listing carries digests (issue 14)', ''];
  L.push(
    "Such a registry is listed through the vendor's API (the fake of the tests, checked against the vendor's published API description, in front of the real registry). A side's requests = its API's plus its registry's access log. A plain registry's floor is ping + catalog (source only) + one tag list per repository + one HEAD per tag.",
    '',
  );
  L.push(
    '| workload | source → destination | tags | src API · registry requests | src req/tag | dst API · registry requests | dst req/tag | plain-registry floor req/tag src · dst | no-op s | src req/tag ≤ 0.3 |',
  );
  L.push('|---|---|---:|---:|---:|---:|---:|---:|---:|:---:|');
  for (const w of ws) {
    const f = w.ferry;
    const p = f.noop;
    const srcTotal = p.src.total + (p.srcApi?.total ?? 0);
    L.push(
      `| ${w.name} | ${w.vendor ?? 'registry'} → ${w.dstVendor ?? 'registry'} | ${w.tags.toLocaleString('en-US')} | ${p.srcApi?.total ?? '–'} · ${p.src.total} | ${n(f.noopPerTag.src, 3)} | ${p.dstApi?.total ?? '–'} · ${p.dst.total} | ${n(f.noopPerTag.dst, 3)} | ${n(protocolFloor(w, 'src') / w.tags, 3)} · ${n(protocolFloor(w, 'dst') / w.tags, 3)} | ${n(p.seconds)} | ${srcTotal / w.tags <= 0.3 ? 'yes' : '**no**'} |`,
    );
  }
  L.push('');
  const list = (by) =>
    Object.entries(by ?? {})
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  for (const w of ws) {
    const p = w.ferry.noop;
    const parts = [];
    if (p.srcApi) parts.push(`source ${w.vendor} API: ${list(p.srcApi.by)}`);
    parts.push(`source registry: ${list(p.src.by)}`);
    if (p.dstApi) parts.push(`destination ${w.dstVendor} API: ${list(p.dstApi.by)}`);
    parts.push(`destination registry: ${list(p.dst.by)}`);
    const bad = [w.vendorApi, w.dstVendorApi].filter((v) => v?.violations?.length || v?.stopError);
    L.push(
      `${w.name} no-op — ${parts.join('; ')}.` +
        (bad.length
          ? ` **The fake API saw exchanges outside the vendor's description:** ${bad
              .map((v) => v.stopError ?? v.violations.join('; '))
              .join(' / ')
              .slice(0, 300)}.`
          : " Every API exchange matched the vendor's published API description."),
      '',
    );
  }
  return L;
}

function crossSection(results) {
  const w = results.workloads.find((x) => !x.error && x.name === 'crossrun' && x.ferry);
  if (!w) return [];
  const L = ['## Cross-run mounts (issue 14)', ''];
  L.push(
    `${w.description}. During the cold run, what each tool did with the shared base layer at its destination (from the access log):`,
    '',
  );
  L.push(
    '| tool | uploads of the base | mounts of the base | mounts refused | HEADs of it | cold s | cold ÷ floor | ÷ skopeo |',
  );
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const tool of ['ferry', 'skopeo']) {
    const t = w[tool];
    if (!t?.cold?.sharedBlob) continue;
    const sb = t.cold.sharedBlob;
    L.push(
      `| ${tool === 'skopeo' ? 'skopeo sync' : 'ferry'} | ${sb.uploads}${sb.uploads ? ` (${sb.uploadedTo.join(', ')})` : ''} | ${sb.mounts} | ${sb.mountsRefused} | ${sb.heads} | ${n(t.cold.seconds)} | ${n(t.cold.seconds / w.floor.seconds)} | ${tool === 'ferry' && w.skopeo ? n(t.cold.seconds / w.skopeo.cold.seconds) : '–'} |`,
    );
  }
  L.push('');
  return L;
}

function sweepSection(results) {
  const ws = results.workloads.filter((w) => !w.error && w.floorSweep && w.ferry);
  if (!ws.length) return [];
  const streams = [...new Set(ws.flatMap((w) => w.floorSweep.map((x) => x.streams)))].sort((a, b) => a - b);
  const L = ["## The registry's own write limit", ''];
  L.push(
    'The curl write floor repeated on a fresh registry per concurrency (same blobs, POST + monolithic PUT per blob, each stream one kept-alive connection). Seconds:',
    '',
  );
  L.push(
    `| workload | ${streams.map((s) => `${s} stream${s > 1 ? 's' : ''}`).join(' | ')} | ferry cold | ferry ÷ best floor |`,
  );
  L.push(`|---|${streams.map(() => '---:').join('|')}|---:|---:|`);
  for (const w of ws) {
    const at = (s) => w.floorSweep.find((x) => x.streams === s)?.seconds;
    L.push(
      `| ${w.name} | ${streams.map((s) => (at(s) === w.floorBest.seconds ? `**${n(at(s))}**` : n(at(s)))).join(' | ')} | ${n(w.ferry.cold.seconds)} | ${n(w.ferry.cold.seconds / w.floorBest.seconds)} |`,
    );
  }
  L.push('');
  return L;
}

function cpuSection(results) {
  const ws = results.workloads.filter((w) => !w.error && w.ferry?.cold?.cpuSeconds);
  if (!ws.length) return [];
  const L = ['## CPU seconds per phase', ''];
  L.push(
    "On 2 shared cores a copy's cost is CPU as much as wall time: the source registry reading, the tool, the destination registry hashing and writing. Tool = user + system CPU of the process and its children (GNU time); registries from /proc/<pid>/stat over the phase. The copy floor's tool CPU is its curl processes' (cutime + cstime of the bench); the write floor's is not counted. The node floor is the same copy by a bare undici client (bench/lib/node-floor.mjs): what it costs in Node without ferry's code (ferry pipelines more, so on small blobs it can beat it).",
    '',
  );
  L.push(
    '| workload | phase | wall s | tool CPU s | source registry CPU s | destination registry CPU s | total CPU s |',
  );
  L.push('|---|---|---:|---:|---:|---:|---:|');
  for (const w of ws) {
    const rows = w.floor ? [['curl write floor', w.floor, undefined, w.floor.cpuSeconds?.registries?.src]] : [];
    for (const [what, p] of [
      ['curl copy floor', w.copyFloor],
      ['node floor (bare undici)', w.nodeFloor],
    ])
      if (p) rows.push([what, p, p.cpuSeconds?.registries?.src, p.cpuSeconds?.registries?.dst]);
    for (const tool of ['ferry', 'skopeo'])
      for (const kind of ['cold', 'noop']) {
        const p = w[tool]?.[kind];
        if (p?.cpuSeconds)
          rows.push([
            `${tool} ${kind === 'noop' ? 'no-op' : 'cold'}`,
            p,
            p.cpuSeconds.registries.src,
            p.cpuSeconds.registries.dst,
          ]);
      }
    for (const [what, p, srcCpu, dstCpu] of rows) {
      const tool = p.cpuSeconds?.tool;
      const total = [tool, srcCpu, dstCpu].filter((x) => x !== undefined).reduce((a, b) => a + b, 0);
      L.push(`| ${w.name} | ${what} | ${n(p.seconds)} | ${n(tool)} | ${n(srcCpu)} | ${n(dstCpu)} | ${n(total)} |`);
    }
  }
  L.push('');
  return L;
}

function traceSection(results) {
  const ws = results.workloads.filter((w) => !w.error && w.trace?.blobChain);
  if (!ws.length) return [];
  const L = ['## Where a cold copy spends its time (traced run)', ''];
  L.push(
    'One more ferry cold run per workload, into a fresh registry, with a timing proxy in front of each registry (the proxies run in the bench process and add latency: the traced run is not the measured one). Milliseconds; p50 / p95 over the blobs uploaded.',
    '',
  );
  L.push(
    '| workload | traced s | untraced s | start-up until 1st request | 1st request → 1st write (listing, HEADs, planning) | after last response | no request in flight | mean in flight src · dst | peak in flight src · dst | POST upload | ferry between POST and PUT | PUT blob | source GET blob | GET start − POST end | POST→PUT done |',
  );
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const pp = (x) => (x ? `${n(x.p50, 0)} / ${n(x.p95, 0)}` : '–');
  for (const w of ws) {
    const t = w.trace;
    const c = t.blobChain;
    L.push(
      `| ${w.name} | ${n(t.seconds)} | ${n(w.ferry.cold.seconds)} | ${n(t.startupMs, 0)} | ${n(t.firstWriteMs, 0)} | ${n(t.tailMs, 0)} | ${n(t.idleMs, 0)} | ${n(t.sides.src?.meanInFlight)} · ${n(t.sides.dst?.meanInFlight)} | ${t.sides.src?.peakInFlight ?? '–'} · ${t.sides.dst?.peakInFlight ?? '–'} | ${pp(c.postMs)} | ${pp(c.postToPutMs)} | ${pp(c.putMs)} | ${pp(c.getMs)} | ${pp(c.getStartVsPostEndMs)} | ${pp(c.chainMs)} |`,
    );
  }
  L.push('');
  L.push('| workload | requests | n | total ms | p50 ms | p95 ms |');
  L.push('|---|---|---:|---:|---:|---:|');
  for (const w of ws)
    for (const k of w.trace.kinds)
      L.push(`| ${w.name} | ${k.what} | ${k.n} | ${n(k.totalMs, 0)} | ${n(k.p50Ms, 1)} | ${n(k.p95Ms, 1)} |`);
  L.push('');
  return L;
}

/** @param {object} results @param {string} [findings] hand-written analysis (bench/findings.md) appended after the tables */
export function render(results, findings) {
  const { env } = results;
  const L = [];
  L.push('# ferry vs skopeo sync — benchmark results', '');
  L.push(
    `Generated by \`npm run bench\` (bench/run.mjs) on ${env.date}: ${env.cpus} CPUs, ${env.memGiB} GiB, node ${env.node}, ${env.skopeo}, ${env.registry}, ${env.curl.split(' ').slice(0, 2).join(' ')}. ` +
      `Scale ${env.scale}${env.scale !== 1 ? ' (reduced sizes, not the ISSUE 7 workloads)' : ''}; ferry concurrency: ${env.concurrency}. ` +
      `Load average at start ${env.loadavgStart?.join(' ')}, at end ${env.loadavgEnd?.join(' ') ?? '–'} (the machine may be shared with other jobs: absolute times are noisy).` +
      (env.merged ? ` Merged results: ${env.merged}.` : ''),
    '',
  );
  L.push(
    '| workload | tool | cold s | cold ÷ floor | cold ÷ copy floor | no-op s | src req/tag (no-op) | dst req/tag (no-op) | writes in no-op | peak RSS MiB | write floor s (blobs · + manifests) | copy floor s |',
  );
  L.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const w of results.workloads) {
    if (w.error) {
      L.push(`| ${w.name} | FAILED: ${w.error.replace(/\|/g, '\\|').slice(0, 200)} | | | | | | | | | | |`);
      continue;
    }
    for (const tool of ['ferry', 'skopeo']) {
      const t = w[tool];
      if (!t) continue;
      L.push(
        `| ${w.name} | ${tool === 'skopeo' ? 'skopeo sync' : 'ferry'}${t.cold.exitCode ? ` (exit ${t.cold.exitCode})` : ''} | ${n(t.cold.seconds)} | ${n(t.cold.seconds / w.floor?.seconds)} | ${n(t.cold.seconds / w.copyFloor?.seconds)} | ${n(t.noop.seconds)} | ${n(t.noopPerTag.src)} | ${n(t.noopPerTag.dst)} | ${t.noopWrites} | ${n(t.peakRssMiB, 1)} | ${n(w.floor?.seconds)} · ${n(w.floor?.withManifestsSeconds)} | ${n(w.copyFloor?.seconds)} |`,
      );
    }
  }
  L.push('');
  L.push('![cold copy time ÷ curl write floor, per workload](chart.svg)', '');
  L.push(
    ...scaleSection(results),
    ...vendorSection(results),
    ...crossSection(results),
    ...sweepSection(results),
    ...cpuSection(results),
    ...traceSection(results),
  );
  if (findings) L.push(findings.trim(), '');
  L.push('## Workloads', '');
  for (const w of results.workloads) {
    if (w.error) continue;
    L.push(
      `- **${w.name}**: ${w.description}. ${w.repositories} repositories, ${w.tags} tags, ${w.uniqueBlobs} unique blobs (${w.uniqueMiB} MiB); source seeded with ${{ skopeo: '`skopeo copy --all --preserve-digests oci:…`', disk: "files written into the registry's storage" }[w.seededWith] ?? 'HTTP pushes of the OCI layout'} in ${w.seedSeconds} s. ` +
        (w.preseeded ? `Both destinations held the first ${w.preseeded} repositories before the runs. ` : '') +
        (w.filter ? `ferry rule \`name: "${w.filter}"\`. ` : '') +
        `Copies verified by HEAD of every tag: ferry — ${w.ferry?.verified ?? '–'}; skopeo — ${w.skopeo?.verified ?? w.skopeoNote ?? '–'}. ` +
        (w.startedAt
          ? `Ran ${w.startedAt}; load average ${w.loadavgStart?.[0]} → ${w.loadavgEnd?.[0]}; memory pressure (PSI ${w.memoryPressureStart ?? '?'} → ${w.memoryPressureEnd ?? '?'}).`
          : `Per-phase load average (1 min): ferry cold ${w.ferry?.cold?.loadavg ?? '?'}, skopeo cold ${w.skopeo?.cold?.loadavg ?? '?'}.`),
    );
  }
  L.push('');
  L.push('## Targets (ISSUE 7 §4, issue 14), ferry', '');
  L.push(
    'No-op protocol floor on a registry whose tag listing has no digests: source = ping + catalog + one tag list per repository + one HEAD per tag; destination = the same without the catalog.',
    '',
  );
  L.push('| workload | target | value | limit | met |');
  L.push('|---|---|---:|---:|:---:|');
  for (const w of results.workloads) {
    if (w.error) continue;
    for (const t of targets(w))
      L.push(
        `| ${w.name} | ${t.what} | ${t.value} | ${t.cmp ?? '≤'} ${t.limit} | ${t.note ? `– (${t.note})` : t.ok ? 'yes' : '**no**'} |`,
      );
  }
  L.push('');
  L.push("## Requests by method (from each registry's access log)", '');
  L.push('| workload | run | src requests | src /tag | dst requests | dst /tag | peak RSS MiB |');
  L.push('|---|---|---|---:|---|---:|---:|');
  for (const w of results.workloads) {
    if (w.error) continue;
    if (w.floor)
      L.push(
        `| ${w.name} | write floor (curl) | – | – | ${methods(w.floor.requests)} | ${n(w.floor.requests.total / w.tags)} | – |`,
      );
    for (const tool of ['ferry', 'skopeo'])
      for (const kind of ['cold', 'noop']) {
        const p = w[tool]?.[kind];
        if (!p) continue;
        L.push(
          `| ${w.name} | ${tool} ${kind === 'noop' ? 'no-op' : 'cold'} | ${methods(p.src)} | ${n(p.src.total / w.tags)} | ${methods(p.dst)} | ${n(p.dst.total / w.tags)} | ${n(p.peakRssMiB, 1)} |`,
        );
      }
  }
  L.push('');
  L.push('### Requests by method and target', '');
  L.push('| workload | run | registry | requests |');
  L.push('|---|---|---|---|');
  const by = (c) =>
    c?.by
      ? Object.entries(c.by)
          .sort()
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')
      : '–';
  for (const w of results.workloads) {
    if (w.error) continue;
    for (const tool of ['ferry', 'skopeo'])
      for (const kind of ['cold', 'noop']) {
        const p = w[tool]?.[kind];
        if (!p) continue;
        L.push(`| ${w.name} | ${tool} ${kind === 'noop' ? 'no-op' : 'cold'} | src | ${by(p.src)} |`);
        if (p.srcApi)
          L.push(
            `| ${w.name} | ${tool} ${kind === 'noop' ? 'no-op' : 'cold'} | src ${w.vendor} API | ${by(p.srcApi)} |`,
          );
        L.push(`| ${w.name} | ${tool} ${kind === 'noop' ? 'no-op' : 'cold'} | dst | ${by(p.dst)} |`);
        if (p.dstApi)
          L.push(
            `| ${w.name} | ${tool} ${kind === 'noop' ? 'no-op' : 'cold'} | dst ${w.dstVendor} API | ${by(p.dstApi)} |`,
          );
      }
  }
  L.push('');
  if (results.env.baselineRssMiB)
    L.push(
      `Baseline: \`node dist/cli/index.js --version\` peaks at ${results.env.baselineRssMiB} MiB RSS; a bare \`node -e 0\` at ${results.env.nodeRssMiB} MiB.`,
      '',
    );
  L.push('## Method', '');
  L.push(
    "- scale-1k, scale-10k: the source is written straight into the registry's filesystem storage (blob data hard-linked from the generated OCI layout, `_layers`, `_manifests/revisions` and `_manifests/tags/<tag>/{current,index}` links), so 10,000 tags seed in seconds; the registry serves them like pushed ones (the source is verified by a HEAD of every tag).",
    "- harbor-both: harbor-noop with a second fake Harbor API in front of ferry's destination registry (`type: harbor` there too): the project exists and holds no repository before the cold run; after it, outside the measured phases, the fake records the artifacts ferry pushed (read back with `harborArtifactsFrom`, as Harbor records pushes).",
    "- harbor-noop: seeded on disk like scale-1k; then the fake Harbor API v2.0 of the tests (test/support/vendor-apis.ts `startHarborApi`, loaded by bench/lib/vendor.mjs) starts in the bench process with one private project and a robot account, holding the artifacts `harborArtifactsFrom` reads from the source registry (as Harbor records them on push). ferry's source is `type: harbor` with `options.api_url` at the fake and `url` at the registry, as in test/integration/providers.test.ts. The API's requests per phase are the fake's request log; no write floor, no skopeo sync, no traced run.",
    "- crossrun: both destinations (ferry's and skopeo's) receive the first half of the repositories by HTTP push before the measured runs; the write floor uploads only the blobs the destination is missing. Uploads of the shared layer = `PUT …/blobs/uploads/…?digest=<it>` answered 201 in the destination's access log during the cold run; mounts = `POST …?mount=<it>` answered 201.",
    '- Registry write limit: the curl floor repeated on fresh registries with 1, 2, 8 and 16 streams (fleet, big, multiarch); the best of them is the most this registry accepted on this machine.',
  );
  L.push(
    '- Each workload gets a fresh source registry, a fresh destination for ferry, one for skopeo and one for the write floor: `docker-registry` 2.8.2, anonymous plain HTTP on 127.0.0.1, filesystem storage in a temp dir, `storage.delete.enabled: true`, in-memory blob descriptor cache.',
    '- Content: random incompressible layers from a seeded PRNG (AES-128-CTR keystream), OCI media types (layers typed tar+gzip), one config per image, OCI indexes for multiarch.',
    '- Phases run strictly one after another (floor, ferry cold, ferry no-op, skopeo cold, skopeo no-op); requests are the access-log lines (`"METHOD /v2/… HTTP/1.1" status`) each registry wrote during the phase, by method, including `GET /v2/` pings and 404s. Requests per tag = requests ÷ tags in the workload.',
    "- Wall time: measured by the bench around the whole process (start-up included). Peak RSS: GNU `/usr/bin/time -f %M` (the child's `ru_maxrss`, the kernel's high-water mark of its resident set; for ferry the node process running `dist/cli/index.js`, for skopeo the skopeo process).",
    '- ferry: `node dist/cli/index.js run --config replication.yaml --report r.json` with one rule, `type: registry` on both sides, `filters.name: "**"` (catalog listing), paths kept; otherwise defaults. Writes in no-op = POST + PUT + PATCH + DELETE at the destination.',
    '- skopeo: `skopeo sync --all --preserve-digests --src yaml --dest docker --dest-tls-verify=false` with every repository listed (empty tag list = all tags; 1.9.3 cannot list a catalog), destination `dst/<namespace>` so paths match; accept-anything policy, empty registries.conf and auth file.',
    '- Write floor: every unique blob (configs and layers, not manifests) uploaded once to a fresh registry with curl: POST, then monolithic `PUT ?digest=`; 4 curl processes in parallel, each handling its share of blobs (largest first to the least-loaded stream) over one kept-alive connection. "+ manifests": then every manifest PUT by digest the same way (image manifests under an index first), so the floor of everything a copy must write; the targets use the blob-only floor (as ISSUE 7 and issue 14 define it).',
    '- Copy floor: what the two registries on this machine must serve for a copy, with a client that costs almost nothing. On a fresh destination, while the write floor (blobs, then manifests) runs, 4 more curl processes GET every blob and manifest the copy reads from the source to /dev/null, each blob once, largest first; the phase ends when both are done. A copy cannot finish before both registries have done that work on the same 2 cores, and the write floor leaves out the source\'s half. "cold ÷ copy floor" is ferry\'s ratio to the registries\' own limit (issue 14: "measure the registry\'s own limit … and report the ratio to that").',
  );
  L.push('');
  return `${L.join('\n')}\n`;
}
