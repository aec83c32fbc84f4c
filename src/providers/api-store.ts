/** A registry whose listing or deletion goes through a vendor REST API next to its /v2 API. */
import { RegistryStore } from './registry-store.js';
import { mergeCounts, type VendorApi } from './vendor-http.js';

export abstract class ApiRegistryStore extends RegistryStore {
  abstract readonly api: VendorApi;

  /** Each vendor scopes its listing its own way (projects, owner, namespace): each says how. */
  abstract override listRepositoriesNamed(names: readonly string[]): Promise<string[]>;

  /** /v2 requests and vendor API requests (prefixed `api `), by method. */
  override requestCounts() {
    return mergeCounts(super.requestCounts(), this.api.counts(), 'api ');
  }

  override async close(): Promise<void> {
    await Promise.all([super.close(), this.api.close()]);
  }
}
