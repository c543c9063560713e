import { NO_REFUNDS, NO_DEBITS, type MeterPackage, type PasswordVerifier } from '../../../src/meter/index.js';

export const METER_ID = '0f8b6c52-3f5e-4b8a-9d3e-6a1c2b3d4e5f';

export function verifier(n: number): PasswordVerifier {
  return { salt: Buffer.alloc(16, n), hash: Buffer.alloc(32, n + 100) };
}

/** An operational meter package with every field set to a distinctive value. */
export function makePackage(changes: Partial<MeterPackage> = {}): MeterPackage {
  return {
    meterId: METER_ID,
    version: 7n,
    certSerialHex: '1a2b3c4d5e6f708192a3b4c5d6e7f801',
    licensingZip: '20260',
    wrappedSigningKey: Buffer.from('wrapped-signing-key'),
    keyNotBeforeMs: 1_700_000_000_000,
    keyNotAfterMs: 1_800_000_000_000,
    registers: { arMills: 1_000n, drMills: 9_000n, controlTotalMills: 10_000n },
    unackedCreditMills: 0n,
    itemSerial: 3n,
    clientMacKey: Buffer.alloc(32, 7),
    passwordVerifier: verifier(1),
    passwordHistory: [verifier(1)],
    failedLogins: 0,
    lastTransactionAtMs: 1_700_000_100_000,
    lastChallenge: Buffer.alloc(32, 9),
    loginChallenge: null,
    lastAuditAtMs: null,
    state: 'operational',
    pendingRegistration: null,
    createdAtMs: 1_700_000_000_000,
    spentOfficerNonces: [],
    refunds: NO_REFUNDS,
    debits: NO_DEBITS,
    sandbox: false,
    members: [],
    ...changes,
  };
}

/** Assert that `fn` throws a VaultError with `code` (vitest's toThrow cannot match a property). */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? `non-vault error: ${(e as Error).message}`;
  }
  return undefined;
}

export async function codeOfAsync(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    return (e as { code?: string }).code ?? `non-vault error: ${(e as Error).message}`;
  }
  return undefined;
}
