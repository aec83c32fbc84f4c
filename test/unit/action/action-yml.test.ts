/**
 * action.yml is what GitHub reads before any of ferry runs: it must parse, declare every input the
 * action reads and every output it sets, and the workflows we ship must use only those.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { readInputs } from '../../../src/action/inputs.js';
import { ALL_STATUSES } from '../../../src/replicate/result.js';

const root = join(import.meta.dirname, '../../..');

interface ActionYml {
  runs: { using: string; main: string };
  inputs: Record<string, { description: string }>;
  outputs: Record<string, { description: string }>;
}
interface Workflow {
  jobs: Record<string, { steps?: { id?: string; uses?: string; with?: Record<string, unknown> }[] }>;
}

/** Parsed as GitHub parses it: a YAML error anywhere is an action that does not load. */
const action = () => parse(readFileSync(join(root, 'action.yml'), 'utf8'), { uniqueKeys: true }) as ActionYml;

function workflows(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name) && /workflows$/.test(dir)) found.push(path);
    }
  };
  walk(join(root, 'examples'));
  walk(join(root, '.github/workflows'));
  return found;
}

test('action.yml parses, runs on node24, and every output and input has a description', () => {
  const a = action();
  expect(a.runs).toEqual({ using: 'node24', main: expect.stringMatching(/^dist\//) as unknown });
  for (const [name, v] of [...Object.entries(a.inputs), ...Object.entries(a.outputs)])
    expect(typeof v.description, name).toBe('string');
});

test('action.yml declares exactly the inputs the action reads', () => {
  const read = new Set<string>();
  readInputs((name) => {
    read.add(name);
    return '';
  });
  expect(new Set(Object.keys(action().inputs))).toEqual(read);
});

test('action.yml declares the outputs the action sets', () => {
  expect(new Set(Object.keys(action().outputs))).toEqual(
    new Set([...ALL_STATUSES, 'changed', 'rule-errors', 'report', 'matrix']),
  );
});

test.each(workflows().map((f) => [f.slice(root.length + 1), f]))(
  '%s parses and passes ferry only inputs it has, and reads only outputs it sets',
  (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const wf = parse(text, { uniqueKeys: true }) as Workflow;
    const { inputs, outputs } = action();
    const ids: string[] = [];
    for (const job of Object.values(wf.jobs))
      for (const step of job.steps ?? []) {
        if (!step.uses || !(step.uses === './' || /\/ferry@/.test(step.uses))) continue;
        if (step.id) ids.push(step.id);
        for (const key of Object.keys(step.with ?? {})) expect(Object.keys(inputs), `with: ${key}`).toContain(key);
      }
    for (const id of ids)
      for (const m of text.matchAll(new RegExp(`steps\\.${id}\\.outputs\\.([\\w-]+)`, 'g')))
        expect(Object.keys(outputs), `steps.${id}.outputs.${m[1]}`).toContain(m[1]);
  },
);
