/**
 * Promise.all for writes: waits until every one has settled, then rejects with the failure that
 * came first. When one blob of a tag fails, the others are still being written, and land at the
 * destination (untagged) whatever happens next: the tag's result may be told only once they have,
 * or it leaves out what they wrote. The first failure in time is the cause; a later one (a
 * transfer cancelled because the run then stopped) would hide it.
 */
export async function allWritten<T>(writes: readonly (Promise<T> | T)[]): Promise<T[]> {
  let first: { reason: unknown } | undefined;
  const settled = await Promise.allSettled(
    writes.map((w) =>
      Promise.resolve(w).catch((reason: unknown) => {
        first ??= { reason };
        throw reason;
      }),
    ),
  );
  if (first) throw first.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
