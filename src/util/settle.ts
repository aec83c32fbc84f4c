/**
 * Promise.all for writes: waits until every one has settled, then rejects with the first failure.
 * When one blob of a tag fails, the others are still being written, and land at the destination
 * (untagged) whatever happens next: the tag's result may be told only once they have, or it
 * leaves out what they wrote.
 */
export async function allWritten<T>(writes: readonly (Promise<T> | T)[]): Promise<T[]> {
  const settled = await Promise.allSettled(writes);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
