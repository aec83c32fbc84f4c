// Destination repository names: Harbor's destination namespace and flattening
// (replaceNamespace in goharbor/harbor src/controller/replication/flow/stage.go).
//
// For `a/b/c/img` with namespace `n`:
//   flattening -1 (all) → n/img      0 → n/a/b/c/img      1 (default) → n/b/c/img
//   flattening 2        → n/c/img    3 → n/img            4 → error
// Flattening k removes the first k components before the image name and puts the namespace in
// their place; asking to remove more components than there are before the name is an error,
// so `img` with the default flattening 1 is an error, not `n/img` (use -1 or 0 for such names).
// Without a namespace the source path is kept and flattening is ignored.

export interface MappingOptions {
  /** Destination namespace; absent or empty = keep the source path. */
  namespace?: string;
  /** -1 (or any negative) = all, 0 = none, 1 (Harbor's default), 2, 3... */
  flattening: number;
  /** The destination accepts only `namespace/name` (Docker Hub). */
  requireTwoComponents?: boolean;
}

export class MappingError extends Error {
  constructor(
    readonly repository: string,
    message: string,
  ) {
    super(message);
    this.name = 'MappingError';
  }
}

function components(path: string): string[] {
  return path.split('/').filter((c) => c !== '');
}

/**
 * Whether two source repositories can map onto one destination repository: only a namespace with
 * flattening removes the components that told them apart (`a/img` and `b/img` → `n/img`). Without
 * that, each destination repository has one source, so a run narrowed to repositories an event
 * names knows its destination groups without listing the source's catalog.
 */
export function mergesRepositories(o: Pick<MappingOptions, 'namespace' | 'flattening'>): boolean {
  return !!o.namespace && o.flattening !== 0;
}

/** The destination repository for a source repository. Throws MappingError naming the repository. */
export function mapRepository(repository: string, options: MappingOptions): string {
  const { namespace, flattening, requireTwoComponents } = options;
  if (!Number.isInteger(flattening)) {
    throw new MappingError(repository, `flattening must be an integer, got ${flattening}`);
  }
  const source = components(repository);
  if (source.length === 0) throw new MappingError(repository, 'empty repository name');
  const name = source[source.length - 1]!;
  const parents = source.slice(0, -1);

  let result: string[];
  if (namespace === undefined || namespace === '') {
    result = source;
  } else if (flattening < 0) {
    result = [...components(namespace), name];
  } else if (flattening > parents.length) {
    throw new MappingError(
      repository,
      `cannot map repository "${repository}": it has ${parents.length} path component(s) before the ` +
        `image name${parents.length ? ` (${parents.join(', ')})` : ''}, but flattening is ${flattening}; ` +
        `use a flattening of at most ${parents.length}, or -1 (all)`,
    );
  } else {
    result = [...components(namespace), ...parents.slice(flattening), name];
  }

  const mapped = result.join('/');
  if (requireTwoComponents && result.length !== 2) {
    const hint =
      result.length > 2
        ? namespace && components(namespace).length > 1
          ? `use a one-component destination namespace instead of "${namespace}"`
          : namespace
            ? `set flattening to ${flattening < 0 ? -1 : flattening + result.length - 2} or -1 (all)`
            : 'set a destination namespace with flattening -1 (all)'
        : 'set a destination namespace';
    throw new MappingError(
      repository,
      `cannot map repository "${repository}": the destination "${mapped}" has ${result.length} path ` +
        `component(s) but this destination accepts only namespace/name; ${hint}`,
    );
  }
  return mapped;
}
