/** What an event asks of a run (resolveScope), as the summary's first lines say it. */
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { resolveScope } from '../../../src/action/context.js';
import type { Inputs } from '../../../src/action/inputs.js';
import { parseConfig } from '../../../src/config/index.js';

const inputs: Inputs = {
  config: 'replication.yaml',
  command: 'auto',
  rules: [],
  shards: 4,
  githubToken: '',
  comment: true,
  reportPath: '',
  reports: '',
  failOn: 'error',
  notifyWebhook: '',
  notifyOn: 'failure',
  issueOnFailure: false,
};

const { config } = parseConfig(
  `version: 1
registries:
  harbor: { type: registry, url: https://harbor.example.com }
  cluster: { type: registry, url: https://cluster.example.com }
rules:
  - name: app
    source: harbor
    destination: cluster
    filters: { name: "team/**" }
    trigger: [event]
`,
  join('/workspace', 'replication.yaml'),
);

test('an untagged push says it was untagged, not that no rule matches it', async () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  const scope = await resolveScope(
    inputs,
    {
      eventName: 'repository_dispatch',
      payload: {
        action: 'image-pushed',
        client_payload: { registry: 'harbor.example.com', repository: 'team/app', digest },
      },
      workspace: '/workspace',
      repository: 'acme/mirrors',
      apiUrl: 'https://api.github.com',
      sha: '0'.repeat(40),
    },
    config!,
  );
  expect(scope.idle).toBe('the artifact was pushed without a tag, and ferry replicates tags');
  expect(scope.notes).toContain('An artifact pushed without a tag is not replicated (ferry replicates tags).');
});
