import { REGISTRATION_CLAIM_ATTEMPTS } from '../constants.js';
import { fail, VaultError } from '../errors.js';
import type { CommandResult, RegisterBeginResult } from '../module/index.js';
import { repo, type MeterRow } from '../store/index.js';
import { onMeter } from './commit/meter-op.js';
import type { ServiceContext } from './context.js';
import { provisionMeter } from './provisioning.js';
import { openSession } from './sessions.js';
import { parseMemberLogin } from '../protocol/index.js';
import type { Q } from '../store/index.js';

// Registration (the patent's registration state): a pooled meter is bound to a new customer. The
// claim is a ledger effect of the module's registerBegin record, so it commits with it and replays.

export interface Begun {
  readonly meter: MeterRow;
  readonly begun: RegisterBeginResult;
}

/** `sandbox`: test mode asked for; the module holds it to the client's sealed word at completion. */
export async function beginRegistration(ctx: ServiceContext, user: string, clientNonce: string, sandbox = false): Promise<Begun> {
  // `owner+member`: a member accepting an invitation, into its slot of the owner's meter.
  if (parseMemberLogin(user)) return beginAcceptance(ctx, user, clientNonce);
  const existing = await repo.findCustomer(ctx.db, user);
  if (existing?.registeredAt) fail('user_exists');
  // An unfinished registration begins again on the meter it claimed.
  if (existing) return begin(ctx, existing.meterId, user, clientNonce, sandbox, false);
  let skip = 0;
  for (let attempt = 0; attempt < REGISTRATION_CLAIM_ATTEMPTS; attempt++) {
    // A pooled meter, or, when the pool ran dry, one made now.
    const meterId = (await repo.findUnassignedMeter(ctx.db, skip))?.meterId ?? (await provisionMeter(ctx));
    try {
      return await begin(ctx, meterId, user, clientNonce, sandbox, true);
    } catch (e) {
      // Another registration took this meter first: try the next one.
      if (!(e instanceof VaultError && e.code === 'conflict')) throw e;
      skip++;
    }
  }
  return fail('pool_empty');
}

function begin(ctx: ServiceContext, meterId: string, user: string, clientNonce: string, sandbox: boolean, claim: boolean): Promise<Begun> {
  return onMeter(ctx, 'registerBegin', meterId, {
    async args(meter, { tx }) {
      if (claim && meter.assigned) fail('conflict', 'the meter was claimed by another registration');
      if (claim && (await repo.findCustomer(tx, user))) fail('user_exists');
      return {
        clientNonce,
        ...(sandbox ? { sandbox } : {}),
        logExtra: { username: user },
        ...(claim ? { effects: [{ kind: 'customer_claimed' as const, username: user, meterId }] } : {}),
      };
    },
    answer: (_scope, begun, meter) => ({ begun, meter }),
  });
}

export interface Completed {
  readonly result: CommandResult;
  readonly session: { token: string; expiresAt: string };
}

export async function completeRegistration(
  ctx: ServiceContext,
  user: string,
  meterId: string,
  clientPublicKey: string,
  sealedSecrets: string,
): Promise<Completed> {
  if (parseMemberLogin(user)) return completeAcceptance(ctx, user, meterId, clientPublicKey, sealedSecrets);
  const customer = await repo.findCustomer(ctx.db, user);
  if (!customer || customer.meterId !== meterId) fail('not_found', 'begin the registration first');
  if (customer.registeredAt) fail('user_exists');
  return onMeter(ctx, 'registerComplete', meterId, {
    args: () => ({ clientPublicKey, sealedSecrets }),
    answer: async ({ tx }, result) => ({ result, session: await openSession(tx, customer.customerId) }),
  });
}

/** The account an invitation names: its owner must be a registered customer. */
async function invitingAccount(q: Q, login: string): Promise<{ customerId: bigint; meterId: string; member: string }> {
  const named = parseMemberLogin(login);
  const owner = named ? await repo.findCustomer(q, named.owner) : null;
  if (!named || !owner?.registeredAt) fail('invitation_unknown', 'no open invitation for this name');
  return { customerId: owner.customerId, meterId: owner.meterId, member: named.member };
}

/** Accepting an invitation, step 1: as a registration begins, on the account's meter, into the member's slot. */
async function beginAcceptance(ctx: ServiceContext, login: string, clientNonce: string): Promise<Begun> {
  const account = await invitingAccount(ctx.db, login);
  return onMeter(ctx, 'registerBegin', account.meterId, {
    args: () => ({ clientNonce, member: account.member, logExtra: { username: login } }),
    answer: (_scope, begun, meter) => ({ begun, meter }),
  });
}

/** Step 2: the sealed envelope (MAC key, password, the invitation's code) goes to the module; a session opens for the member. */
async function completeAcceptance(ctx: ServiceContext, login: string, meterId: string, clientPublicKey: string, sealedSecrets: string): Promise<Completed> {
  const account = await invitingAccount(ctx.db, login);
  if (account.meterId !== meterId) fail('not_found', 'begin accepting the invitation first');
  return onMeter(ctx, 'registerComplete', meterId, {
    args: () => ({ clientPublicKey, sealedSecrets, member: account.member }),
    answer: async ({ tx }, result) => ({ result, session: await openSession(tx, account.customerId, account.member) }),
  });
}
