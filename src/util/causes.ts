/**
 * An error and the errors it was caused by (`cause`), outermost first, at most `depth` of them: a
 * wrapped error (undici's `fetch failed`, ferry's RegistryError) is judged by what is inside it,
 * and a cycle or an endless chain ends.
 */
export function* causes(e: unknown, depth = 8): Generator<unknown> {
  for (let c = e, n = 0; c && n < depth; c = (c as { cause?: unknown }).cause, n++) yield c;
}
