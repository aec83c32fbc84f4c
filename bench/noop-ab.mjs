#!/usr/bin/env node
// A/B of ferry's no-op with and without the launcher (dist/cli/index.js runs the bundle in a child with
// --max-semi-space-size=1; dist/cli/main/index.js is the bundle itself, V8 defaults), alternating runs
// on the same registries so the machine's load hits both alike. Wall, CPU (user + system, children
// included) and peak RSS per run; medians and the ratio.
//
//   node bench/noop-ab.mjs [--workload fleet] [--scale 0.25] [--rounds 5]
//   BENCH_FERRY=path/dist/cli/index.js   (the bundle is taken from main/index.js beside it)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Content } from './lib/content.mjs';
import { startRegistry } from './lib/registry.mjs';
import { seedOnDisk, seedWithHttp } from './lib/seed.mjs';
import { timed, writeFerryConfig } from './lib/tools.mjs';
import { WORKLOADS } from './lib/workloads.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const argOf = (name, d) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : d;
};
const launcher = resolve(process.env.BENCH_FERRY ?? join(here, '..', 'dist', 'cli', 'index.js'));
const bundle = join(dirname(launcher), 'main', 'index.js');
const name = argOf('workload', 'fleet');
const scale = Number(argOf('scale', '0.25'));
const rounds = Number(argOf('rounds', '5'));

const work = mkdtempSync(join(tmpdir(), 'ferry-noop-ab-'));
const regs = [];
try {
  const content = new Content(join(work, 'layout'));
  const w = WORKLOADS[name](content, scale);
  const tags = w.repos.reduce((n, r) => n + r.tags.length, 0);
  const [src, dst] = await Promise.all([startRegistry('ab-src'), startRegistry('ab-dst')]);
  regs.push(src, dst);
  if (w.seed === 'disk') seedOnDisk(content, w, src);
  else await seedWithHttp(content, w, src);
  const config = join(work, 'replication.yaml');
  writeFerryConfig(config, src, dst, { name: w.filter });
  const env = { ...process.env, DOCKER_CONFIG: work, NO_COLOR: '1' };
  const run = (bin) =>
    timed(process.execPath, [bin, 'run', '--config', config, '--report', join(work, 'r.json')], {
      env,
      logFile: join(work, 'ferry.log'),
    });
  const cold = await run(launcher);
  if (cold.code !== 0) throw new Error(`cold run failed:\n${cold.output.slice(-1500)}`);
  const out = { launcher: [], bundle: [] };
  for (let i = 0; i < rounds; i++)
    for (const [k, bin] of i % 2
      ? [
          ['bundle', bundle],
          ['launcher', launcher],
        ]
      : [
          ['launcher', launcher],
          ['bundle', bundle],
        ]) {
      const r = await run(bin);
      if (r.code !== 0) throw new Error(`${k} no-op failed:\n${r.output.slice(-1500)}`);
      out[k].push({ seconds: r.seconds, cpu: r.cpuSeconds, rssMiB: r.maxRssKiB / 1024 });
    }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = {};
  for (const k of ['launcher', 'bundle'])
    summary[k] = Object.fromEntries(
      ['seconds', 'cpu', 'rssMiB'].map((f) => [f, +med(out[k].map((x) => x[f])).toFixed(2)]),
    );
  const ratio = Object.fromEntries(
    ['seconds', 'cpu', 'rssMiB'].map((f) => [f, +(summary.launcher[f] / summary.bundle[f]).toFixed(2)]),
  );
  console.log(
    JSON.stringify(
      { workload: name, scale, tags, rounds, medians: summary, launcherOverBundle: ratio, runs: out },
      null,
      2,
    ),
  );
} finally {
  for (const r of regs) await r.stop().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}
