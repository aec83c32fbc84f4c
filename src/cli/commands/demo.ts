import { join } from 'node:path';
import { writeDemo } from '../../index.js';
import { run } from './run.js';

export async function demoCommand(opts: { dir: string }): Promise<number> {
  const config = await writeDemo(opts.dir);
  console.log(`ferry demo: ${config} mirrors ${join(opts.dir, 'source')} into ${join(opts.dir, 'mirror')}`);
  const { code, changed } = await run({
    config,
    rule: [],
    report: join(opts.dir, 'report.json'),
    summary: join(opts.dir, 'summary.md'),
  });
  console.log(`\nJob summary: ${join(opts.dir, 'summary.md')} · JSON report: ${join(opts.dir, 'report.json')}`);
  // The invitation only makes sense after a run that changed something.
  if (code === 0 && changed) console.log('Run it again: everything is unchanged.');
  else if (code === 0) console.log('Nothing to change: the mirror already holds every selected tag.');
  return code;
}
