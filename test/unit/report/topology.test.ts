import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { renderPlan } from '../../../src/report/plan-comment.js';
import { renderSummary } from '../../../src/report/summary.js';
import { MAX_EDGES, MAX_NODES, type TopologyEdge, topologyMarkdown } from '../../../src/report/topology.js';
import type { Result, ResultStatus } from '../../../src/replicate/result.js';
import { runReport } from './fixtures.js';
import { mermaidBlocks, parseFlowchart } from './mermaid.js';

const HOSTILE = [
  'a"b',
  'x"] --> evil["pwned',
  '<script>alert(1)</script>',
  'pipe|in|name',
  '`code` ```fence```',
  'line\nbreak\r\n%% comment',
  '#quot; #35; &amp; 100%',
  'end',
  'click r0 call alert()',
  'é 🚢 中文',
];

const edge = (name: string, source: string, destination: string, counts: [string, number][]): TopologyEdge => ({
  name,
  source,
  destination,
  counts,
});

function result(rule: string, tag: string, status: ResultStatus, extra: Partial<Result> = {}): Result {
  return {
    rule,
    source: `harbor.example.com/team/app:${tag}`,
    destination: `registry-1.docker.io/acme/app:${tag}`,
    tag,
    status,
    bytes: 0,
    blobs: { copied: 0, mounted: 0, present: 0 },
    durationMs: 10,
    retries: 0,
    ...extra,
  };
}

const report = (results: Result[], ruleErrors: { rule: string; message: string }[] = []) =>
  runReport(results, { ruleErrors });

describe('topology picture', () => {
  test('registries are nodes, each rule an edge with its counts, and Mermaid parses it', async () => {
    const md = topologyMarkdown([
      edge('web', 'harbor', 'hub', [
        ['copied', 3],
        ['failed', 1],
        ['unchanged', 0],
      ]),
      edge('db', 'harbor', 'cluster', [['unchanged', 1204]]),
    ]);
    const [block] = mermaidBlocks(md);
    const chart = await parseFlowchart(block!);
    expect(chart.nodes.map((n) => n.label).sort()).toEqual(['cluster', 'harbor', 'hub']);
    const label = (from: string, to: string) => {
      const id = (name: string) => chart.nodes.find((n) => n.label === name)!.id;
      return chart.edges.find((e) => e.from === id(from) && e.to === id(to))?.label;
    };
    expect(label('harbor', 'hub')).toBe('rule web: 3 copied, 1 failed');
    expect(label('harbor', 'cluster')).toBe('rule db: 1,204 unchanged');
  });

  test('hostile names parse, show as written, and add no node, edge or statement', async () => {
    const edges = HOSTILE.map((name, i) =>
      edge(name, name, `dst ${i}`, [
        ['copied', i + 1],
        [name, 1],
      ]),
    );
    const md = topologyMarkdown(edges);
    const blocks = mermaidBlocks(md);
    expect(blocks).toHaveLength(1);
    const chart = await parseFlowchart(blocks[0]!);
    expect(chart.edges).toHaveLength(HOSTILE.length);
    expect(chart.nodes).toHaveLength(HOSTILE.length * 2);
    const labels = chart.nodes.map((n) => n.label);
    for (const name of HOSTILE) expect(labels).toContain(name.replace(/\r\n|\n/g, ' ').replace(/\r/g, ' '));
    expect(chart.edges.map((e) => e.label)).toContain('rule end: 8 copied, 1 end');
    // Each statement is one generated node's edge: no name started a line (`click …`, `%%`).
    for (const line of blocks[0]!.trimEnd().split('\n').slice(1)) expect(line).toMatch(/^ {2}r\d+\["/);
    expect(blocks[0]!.replace(/ -->\|/g, '')).not.toMatch(/[<>`%]/);
  });

  test('a large run is cut to a bounded picture that says how many rules are not drawn', async () => {
    const many = Array.from({ length: 500 }, (_, i) =>
      edge(`rule-${i}-${'x'.repeat(300)}`, `src-${i % 40}`, `dst-${i % 7}`, [['copied', i]]),
    );
    const md = topologyMarkdown(many);
    expect(md.length).toBeLessThan(12_000);
    const chart = await parseFlowchart(mermaidBlocks(md)[0]!);
    const drawn = chart.edges.length;
    expect(drawn).toBeLessThanOrEqual(MAX_EDGES);
    expect(chart.nodes.length).toBeLessThanOrEqual(MAX_NODES + 1);
    expect(chart.nodes.map((n) => n.label)).toContain(`+${500 - drawn} more rules`);
  });

  test('nothing to draw: no block', () => {
    expect(topologyMarkdown([])).toBe('');
  });

  test('with the picture, a big comment stays under its cap and a big summary under its size limit', async () => {
    const names = Array.from({ length: 500 }, (_, i) => `rule-${i}-${'n'.repeat(200)}`);
    const rules = names.map((name, i) => ({ name, source: `src-${i % 30}`, destination: `dst-${i % 9}` }));
    const items = (name: string) =>
      Array.from({ length: 50 }, (_, k) => ({
        rule: name,
        destinationRepository: `acme/${'r'.repeat(100)}`,
        tag: `v${k}`,
        action: 'copy' as const,
      }));
    const body = renderPlan(
      { dryRun: true, rules: names.map((rule) => ({ rule, warnings: [], items: items(rule) })) },
      { rules },
    );
    expect(body.length).toBeLessThanOrEqual(60_000);
    expect((await parseFlowchart(mermaidBlocks(body)[0]!)).edges).toHaveLength(MAX_EDGES);
    const md = renderSummary(report(names.flatMap((n) => [result(n, `${n.length}`, 'copied')])), {
      rules,
      maxBytes: 64 * 1024,
    });
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(64 * 1024);
    expect((await parseFlowchart(mermaidBlocks(md)[0]!)).edges).toHaveLength(MAX_EDGES);
  });

  test('the README shows a picture Mermaid parses', async () => {
    const blocks = mermaidBlocks(await readFile(new URL('../../../README.md', import.meta.url), 'utf8'));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) expect((await parseFlowchart(block)).edges.length).toBeGreaterThan(0);
  });
});

describe('in the job summary and the PR comment', () => {
  test('the summary draws the run from the rules file, with rule errors on their edge', async () => {
    const md = renderSummary(
      report(
        [result('web', 'v1', 'copied'), result('web', 'v2', 'failed'), result('web', 'v3', 'unchanged')],
        [{ rule: 'db', message: 'listing failed' }],
      ),
      {
        rules: [
          { name: 'web', source: 'harbor', destination: 'hub' },
          { name: 'db', source: 'harbor', destination: 'cluster' },
        ],
      },
    );
    const blocks = mermaidBlocks(md);
    expect(blocks).toHaveLength(1);
    const chart = await parseFlowchart(blocks[0]!);
    expect(chart.edges.map((e) => e.label).sort()).toEqual([
      'rule db: 1 rule error',
      'rule web: 1 failed, 1 copied, 1 unchanged',
    ]);
  });

  test('a merged report without the rules file is drawn between registry hosts', async () => {
    const md = renderSummary(report([result('web', 'v1', 'copied')]));
    const chart = await parseFlowchart(mermaidBlocks(md)[0]!);
    expect(chart.nodes.map((n) => n.label)).toEqual(['harbor.example.com', 'registry-1.docker.io']);
  });

  test('the PR comment draws what the plan would do', async () => {
    const body = renderPlan(
      {
        dryRun: true,
        rules: [
          {
            rule: 'web',
            warnings: [],
            items: [
              { rule: 'web', destinationRepository: 'acme/app', tag: 'v1', action: 'copy' },
              { rule: 'web', destinationRepository: 'acme/app', tag: 'v0', action: 'delete' },
            ],
          },
        ],
      },
      {
        rules: [
          { name: 'web', source: 'harbor', destination: 'hub' },
          { name: 'db', source: 'harbor', destination: 'cluster' },
        ],
        partial: ['db'],
      },
    );
    const chart = await parseFlowchart(mermaidBlocks(body)[0]!);
    // db has no plan at all: nothing of it is listed, so it is "not planned", as the headline says.
    expect(chart.edges.map((e) => e.label)).toEqual(['rule web: 1 to copy, 1 to delete', 'rule db: not planned']);
  });
});
