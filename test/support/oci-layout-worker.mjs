/**
 * A separate OS process that writes (or deletes) tags in one OCI layout through OciLayoutStore,
 * so tests can check what two ferry runs sharing a layout do to its index.json.
 *
 *   node test/support/oci-layout-worker.mjs <root> <repository> <put|delete|sign> <tag>...
 *
 * `sign` writes, per name, a signature of one fixed subject by digest, added to the subject's
 * referrers fallback index as a run copying signatures into the layout does.
 *
 * Runs the TypeScript source directly with Node's type stripping (Node >= 22.18 / 23.6); the
 * resolve hook maps the sources' `.js` specifiers onto their `.ts` files, as tsc's NodeNext does.
 * It waits for a line on stdin before writing so the parent can start every worker at once.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

registerHooks({
  resolve(specifier, context, next) {
    if (specifier.endsWith('.js') && (specifier.startsWith('./') || specifier.startsWith('../'))) {
      const url = new URL(specifier, context.parentURL);
      if (url.protocol === 'file:' && !existsSync(fileURLToPath(url))) {
        const ts = new URL(url.href.replace(/\.js$/, '.ts'));
        if (existsSync(fileURLToPath(ts))) return next(ts.href, context);
      }
    }
    return next(specifier, context);
  },
});

const [root, repository, op, ...tags] = process.argv.slice(2);
const { OciLayoutStore } = await import('../../src/providers/oci-layout.ts');
const store = new OciLayoutStore('worker', root);

/** The one image every `sign` worker signs (it need not be in the layout). */
const SUBJECT = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: 'sha256:0ba6ecf9a4b6e3a8cbd2aa3bd1a0ae61a8b0db2e3fd33a3e5b8b0e5a0a2f6c11',
  size: 500,
};

await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.pause();

for (const tag of tags) {
  if (op === 'put') {
    // A distinct tiny manifest per tag, so every tag is a distinct index.json entry.
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
          size: 2,
        },
        layers: [],
        annotations: { tag },
      }),
    );
    await store.manifestPut(repository, tag, manifest, 'application/vnd.oci.image.manifest.v1+json');
  } else if (op === 'sign') {
    const signature = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
        config: {
          mediaType: 'application/vnd.oci.empty.v1+json',
          digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
          size: 2,
        },
        layers: [],
        subject: SUBJECT,
        annotations: { signer: tag },
      }),
    );
    const digest = `sha256:${createHash('sha256').update(signature).digest('hex')}`;
    await store.manifestPut(repository, digest, signature, 'application/vnd.oci.image.manifest.v1+json', {
      referrersFallback: { listed: false },
    });
  } else if (op === 'delete') {
    await store.deleteTag(repository, tag);
  } else throw new Error(`unknown operation ${op}`);
}
process.stdout.write(`done ${tags.length}\n`);
