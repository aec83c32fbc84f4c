/** The RegistryError a promise rejects with; the test fails when it resolves or rejects with anything else. */
import { expect } from 'vitest';
import { RegistryError } from '../../src/registry/errors.js';

export async function rejection(p: Promise<unknown>): Promise<RegistryError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'expected a RegistryError').toBeInstanceOf(RegistryError);
  return e as RegistryError;
}
