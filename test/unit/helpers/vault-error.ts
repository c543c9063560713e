import { expect } from 'vitest';
import { VaultError } from '../../../src/errors.js';

/** `p` must fail with a VaultError of this code; returns it for more checks. */
export async function vaultError(p: Promise<unknown>, code: string): Promise<VaultError> {
  const e = await p.then(
    () => expect.unreachable(`expected ${code}`),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(VaultError);
  expect((e as VaultError).code, (e as Error).message).toBe(code);
  return e as VaultError;
}
