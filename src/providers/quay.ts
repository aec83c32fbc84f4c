/**
 * Quay (quay.io or self-hosted Red Hat Quay). The organisation must exist before a push; robot
 * accounts (<org>+<name>) log in like users. `_catalog` answers with what the account can see.
 * https://docs.projectquay.io/api_quay.html
 */
import { HostedRegistryStore, type HostedStoreOptions } from './hosted.js';

export class QuayStore extends HostedRegistryStore {
  constructor(o: Omit<HostedStoreOptions, 'provider' | 'container' | 'catalog'>) {
    super({ ...o, provider: 'quay', container: 'organization', catalog: true });
  }
}
