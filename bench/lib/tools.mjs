// Runs ferry and skopeo under /usr/bin/time: wall time is measured here around the whole process,
// peak RSS is the child's ru_maxrss reported by GNU time (%M, KiB) — the kernel's high-water mark of
// the resident set of that process (for ferry: the node process running dist/cli/index.js); CPU is
// GNU time's %U + %S.
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { skopeoSetup } from './seed.mjs';

const TIME = '/usr/bin/time';

export function timed(cmd, args, { env, logFile, cwd }) {
  const timeFile = `${logFile}.time`;
  const useTime = existsSync(TIME);
  const [bin, argv] = useTime ? [TIME, ['-f', '%e %M %U %S', '-o', timeFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const out = [];
    const child = spawn(bin, argv, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => out.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const output = Buffer.concat(out).toString('utf8');
      writeFileSync(logFile, output);
      let maxRssKiB;
      let cpuSeconds;
      if (useTime && existsSync(timeFile)) {
        const last = (readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '').split(' ');
        maxRssKiB = Number(last[1]);
        // User + system CPU of the process and the children it waited for (ferry's launcher and CLI).
        cpuSeconds = Number(last[2]) + Number(last[3]);
      }
      resolve({ code, seconds, maxRssKiB, cpuSeconds, output });
    });
  });
}

/**
 * ferry run over a replication.yaml copying every repository of `src` (or those `name` selects) to `dst`,
 * paths kept. `source` / `destination` replace that side's `type: registry` lines (a vendor API in front of it).
 */
export function writeFerryConfig(file, src, dst, { name = '**', source, destination } = {}) {
  writeFileSync(
    file,
    [
      'version: 1',
      'registries:',
      '  bench-src:',
      ...(source ?? ['    type: registry', `    url: ${src.url}`]),
      '  bench-dst:',
      ...(destination ?? ['    type: registry', `    url: ${dst.url}`]),
      'rules:',
      '  - name: bench',
      '    source: bench-src',
      '    destination: bench-dst',
      '    filters:',
      `      name: "${name}"`,
      '',
    ].join('\n'),
  );
}

export async function runFerry({ ferryBin, config, report, concurrency, logFile, workDir }) {
  const nodeArgs = (process.env.BENCH_FERRY_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [...nodeArgs, ferryBin, 'run', '--config', config, '--report', report];
  if (concurrency) args.push('--concurrency', String(concurrency));
  // Empty Docker config so host credentials never matter.
  const env = { ...process.env, DOCKER_CONFIG: workDir, NO_COLOR: '1' };
  const r = await timed(process.execPath, args, { env, logFile });
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(report, 'utf8'));
  } catch {
    parsed = undefined;
  }
  return { ...r, report: parsed };
}

/**
 * skopeo sync 1.9.3 has no catalog listing for a docker source, so every repository is named in a
 * `--src yaml` file (empty tag list = all tags); one process for the whole workload. Without
 * --scoped the destination is DEST/<last path component>, so DEST is dst/<namespace> and the paths match.
 */
export async function runSkopeoSync({ workload, src, dst, workDir, logFile }) {
  const s = skopeoSetup();
  const yaml = join(workDir, 'skopeo-sync.yaml');
  writeFileSync(
    yaml,
    [`${src.host}:`, '  tls-verify: false', '  images:', ...workload.repos.map((r) => `    ${r.repo}: []`), ''].join(
      '\n',
    ),
  );
  const args = [
    ...s.globalArgs,
    'sync',
    '--all',
    '--preserve-digests',
    '--src',
    'yaml',
    '--dest',
    'docker',
    '--dest-tls-verify=false',
    '--dest-no-creds',
    yaml,
    `${dst.host}/${workload.namespace}`,
  ];
  return timed('skopeo', args, { env: s.env, logFile });
}
