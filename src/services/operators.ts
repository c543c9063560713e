import { fail, VaultError } from '../errors.js';
import type { OfficerRole } from '../protocol/index.js';
import { repo } from '../store/index.js';
import type { ServiceContext } from './context.js';
import { logChangeOrNote, noModuleToLog } from './logged.js';
import { onMeter } from './commit/meter-op.js';
import { hashOfficerPassword, newOfficerPassword } from './passwords.js';
import { registeredCustomer } from './funding.js';

// Operator actions without a meter package: revoking a meter and creating officers. Logged, or
// noted when no module can log them (a second officer is what clearing a halt needs).

/**
 * Revoke a meter: the module marks the sealed package revoked, on a security officer's signed
 * statement, so no database change can bring it back. With no module to take it (all inhibited),
 * the revocation still applies to the database, and the audit trail says it is missing from the log.
 */
export async function revokeMeter(ctx: ServiceContext, officer: string, user: string, reason: string, authorization: unknown): Promise<{ meterId: string }> {
  const customer = await registeredCustomer(ctx, user);
  const meterId = customer.meterId;
  if (authorization === undefined) fail('officer_signature_required', 'sign the revocation with your officer key (vaultmeter admin revoke --officer-key)');
  try {
    await onMeter(ctx, 'revoke', meterId, { args: () => ({ reason, authorization, actor: officer, logExtra: { officer } }), answer: () => undefined });
  } catch (e) {
    if (!noModuleToLog(e)) throw e;
    await logChangeOrNote(ctx, { meterId, effects: () => [{ kind: 'meter_revoked', meterId, officer, reason }] }, officer);
  }
  return { meterId };
}

/** Return a locked meter to service, on a security officer's signed statement checked by the module. */
export async function unlockMeter(ctx: ServiceContext, officer: string, user: string, authorization: unknown): Promise<{ meterId: string; state: string }> {
  const customer = await registeredCustomer(ctx, user);
  if (authorization === undefined) fail('officer_signature_required', 'sign the unlock with your officer key (vaultmeter admin unlock --officer-key)');
  return onMeter(ctx, 'unlock', customer.meterId, {
    args: () => ({ authorization, actor: officer, logExtra: { officer } }),
    answer: (_scope, r) => ({ meterId: customer.meterId, state: r.state }),
  });
}

export interface NewOfficer {
  readonly user: string;
  readonly role: OfficerRole;
  /** base64 SPKI of the officer's own P-256 key */
  readonly publicKey: string;
  /** Two security officers' `certify_officer` statement; the module checks it and issues the certificate. */
  readonly authorization: unknown;
}

/** A new officer: the module certifies the key on two security officers' signatures; the row only lets the officer log in. */
export async function createOfficer(ctx: ServiceContext, by: string, o: NewOfficer): Promise<{ password: string; certificatePem: string }> {
  if (await repo.findOfficer(ctx.db, o.user)) fail('user_exists');
  const { certificatePem, authorizedBy } = await ctx.modules.anyConnected().call('certifyOfficer', o);
  const password = newOfficerPassword();
  const passwordHash = await hashOfficerPassword(password);
  await logChangeOrNote(
    ctx,
    {
      key: `officer:${o.user}`,
      effects: async ({ tx }) => {
        if (await repo.findOfficer(tx, o.user)) fail('user_exists');
        return [{ kind: 'officer_created', username: o.user, role: o.role, passwordHash, by }];
      },
      logExtra: { certificatePem, authorizedBy, authorization: o.authorization },
    },
    by,
  );
  return { password, certificatePem };
}

/**
 * Remove an officer, on two security officers' `remove_officer` statement: every module checks it
 * and refuses the name's signatures for good; then the officer's logins end (`officer_removed`).
 * One module that does not take it fails the removal, naming it: run it again once the module is
 * back (a module that has it already answers so, and nothing is logged twice).
 */
export async function removeOfficer(
  ctx: ServiceContext,
  by: string,
  user: string,
  authorization: unknown,
): Promise<{ user: string; removedAt: string; modules: number }> {
  const row = await repo.findOfficer(ctx.db, user);
  if (!row) fail('not_found', `no officer ${user}`);
  const active = (await repo.findActiveOfficer(ctx.db, user)) !== null;
  if (active && row.role === 'security_officer' && (await repo.countActiveSecurityOfficers(ctx.db)) <= 2)
    fail('dual_control', 'dual control needs two security officers: certify another one (admin officers add) before removing this one');
  const modules = ctx.modules.modules;
  const answers = await Promise.allSettled(modules.map((m) => m.call('removeOfficer', { user, authorization })));
  const refused = answers.findIndex((r) => r.status === 'rejected');
  if (refused >= 0) {
    const e = (answers[refused] as PromiseRejectedResult).reason as unknown;
    if (e instanceof VaultError) throw e;
    fail(
      'module_unavailable',
      `the module at ${modules[refused]!.socketPath} did not take the removal (${(e as Error).message}); run it again once it is back`,
    );
  }
  const first = (answers[0] as PromiseFulfilledResult<{ removedAt: string; authorizedBy: readonly string[] }>).value;
  if (active) {
    await logChangeOrNote(
      ctx,
      {
        key: `officer-removed:${user}`,
        effects: () => [{ kind: 'officer_removed', username: user, by }],
        logExtra: { authorizedBy: first.authorizedBy, authorization },
      },
      by,
    );
  }
  return { user, removedAt: first.removedAt, modules: modules.length };
}
