import { join } from 'node:path';
import { writeDemo } from '../../index.js';
import { runCommand } from './run.js';

export async function demoCommand(opts: { dir: string }): Promise<number> {
  const config = await writeDemo(opts.dir);
  console.log(`ferry demo: ${config} mirrors ${join(opts.dir, 'source')} into ${join(opts.dir, 'mirror')}`);
  const code = await runCommand({
    config,
    rule: [],
    report: join(opts.dir, 'report.json'),
    summary: join(opts.dir, 'summary.md'),
  });
  console.log(
    `\nJob summary: ${join(opts.dir, 'summary.md')} · JSON report: ${join(opts.dir, 'report.json')}\nRun it again: everything is unchanged.`,
  );
  return code;
}
