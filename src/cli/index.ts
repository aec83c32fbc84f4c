#!/usr/bin/env node
/** ferry's command line: thin over the library. Exit 0 ok, 1 failed or invalid, 2 usage. One bundle: no lazy chunks. */
// First: refuses an old Node.js before any other module is loaded.
import './node-check.js';
import { Command, CommanderError } from 'commander';
import { VERSION } from '../index.js';
import { collectRules, duration, path, positiveInt } from './options.js';
import { validateCommand } from './commands/validate.js';
import { planCommand } from './commands/plan.js';
import { runCommand } from './commands/run.js';
import { demoCommand } from './commands/demo.js';
import { importCommand } from './commands/import.js';
import { schemaCommand } from './commands/schema.js';

// A reader that goes away (`ferry run | head`) must not crash a run mid-copy, leaving no report:
// what is left of the output is dropped, and the run goes on.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });

const program = new Command()
  .name('ferry')
  .description('Container-image replication as code: carry out the rules in replication.yaml')
  .version(VERSION)
  .exitOverride();

program
  .command('validate')
  .description('check replication.yaml against the schema and the semantic rules (no network)')
  .option('-c, --config <file>', 'rules file', path, 'replication.yaml')
  .action(async (opts) => {
    process.exitCode = await validateCommand(opts);
  });

program
  .command('plan')
  .description('show what a run would change, reading the live registries (reads only, writes nothing)')
  .option('-c, --config <file>', 'rules file', path, 'replication.yaml')
  .option('-r, --rule <name>', 'only this rule (repeatable or comma-separated)', collectRules, [])
  .option('--json', 'print the plan as JSON')
  .option('--concurrency <n>', 'requests in flight per rule', positiveInt)
  .option('--matrix <n>', 'print a GitHub Actions matrix splitting the work over n shard jobs', positiveInt)
  .action(async (opts) => {
    process.exitCode = await planCommand(opts);
  });

program
  .command('run')
  .description('replicate: copy what is missing or changed, delete extras where rules say so')
  .option('-c, --config <file>', 'rules file', path, 'replication.yaml')
  .option('-r, --rule <name>', 'only this rule (repeatable or comma-separated)', collectRules, [])
  .option('--dry-run', 'plan only; nothing is written')
  .option('--concurrency <n>', 'images copied at once', positiveInt)
  .option('--report <file>', 'write the JSON report here', path)
  .option('--summary <file>', 'write the Markdown summary here', path)
  .option(
    '--timeout <duration>',
    'stop starting new work after this long (90s, 30m, 2h); the report says what was left',
    duration,
  )
  .action(async (opts) => {
    process.exitCode = await runCommand(opts);
  });

program
  .command('demo')
  .description('run the embedded example: mirror a bundled OCI layout into a local one (no registry needed)')
  .option('-d, --dir <dir>', 'working directory for the demo', path, '.ferry-demo')
  .action(async (opts) => {
    process.exitCode = await demoCommand(opts);
  });

program
  .command('schema')
  .description('print the JSON Schema of replication.yaml (for editors and CI), or write it to a file')
  .option('-o, --out <file>', 'write the schema here instead of to stdout', path)
  .action(async (opts) => {
    process.exitCode = await schemaCommand(opts);
  });

// `ferry import harbor|regsync|skopeo|image-syncer|dregsy|list`: a rules file from another tool's rules.
program.addCommand(importCommand());

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : 2;
  else {
    console.error(`ferry: ${(e as Error).message}`);
    process.exitCode = 1;
  }
});
