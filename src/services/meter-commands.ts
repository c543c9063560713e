import { fail, VaultError } from '../errors.js';
import { isServerRefusal, type CommandArgs, type CommandResult } from '../module/index.js';
import { repo, type MeterRow } from '../store/index.js';
import { forget, refusalAnswer, type Answer, type Remember } from './answer.js';
import type { BatchScope } from './commit/command.js';
import { onMeter } from './commit/meter-op.js';
import type { ServiceContext } from './context.js';
import { endSessions, openSession } from './sessions.js';
import { checkPrintDestination } from './print-destination.js';
import type { LabelAddress } from '../address/index.js';
import { lockedTheMeter, mailIfLowBalance, mailLockout } from './mail/triggers.js';
import { accountForLogin, type LoginAccount } from './login-account.js';

// Client meter commands (the patent's FIG. 7): each carries the client MAC, the module's one-time
// challenge and the client's view of the registers; the module checks all three. The ledger
// effects (package, item, refund, withdrawal) are applied by the batch; here are the rules around
// them and the answer.

export type CommandInput = Omit<CommandArgs, 'pkg' | 'refusal'>;

interface CommandHooks {
  /** Extra checks and arguments, inside the batch's transaction. */
  readonly args?: (meter: MeterRow, scope: BatchScope) => Promise<Partial<CommandInput>> | Partial<CommandInput>;
  /** Extra members of a success answer (and non-ledger writes such as a session). */
  readonly onOk?: (scope: BatchScope, result: CommandResult) => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Non-ledger writes when the module refused an authenticated command on its own account. */
  readonly onRefused?: (scope: BatchScope, result: CommandResult) => Promise<void>;
  /** A refusal already decided (before the batch): the module only checks the request and spends its challenge. */
  readonly refuse?: VaultError;
}

/** A refusal the module carries out with the request, so that its challenge is spent (see module/refusal.ts). */
const spendsChallenge = (e: unknown): e is VaultError => e instanceof VaultError && isServerRefusal(e.code);

/**
 * Run one client command; the new package, the effects and the remembered answer commit together.
 * The server's own checks run in the batch's transaction, and a check that refuses does not drop
 * the request: it goes to the module as a refusal, which checks the MAC and the challenge and
 * spends the challenge, so the refused request can never be replayed.
 */
export function runMeterCommand(ctx: ServiceContext, meterId: string, input: CommandInput, remember: Remember, hooks: CommandHooks = {}): Promise<Answer> {
  let refused: VaultError | null = null;
  const checks = async (meter: MeterRow, scope: BatchScope): Promise<Partial<CommandInput>> => {
    if (hooks.refuse) throw hooks.refuse;
    await remember.checkKey?.(scope.tx);
    if (meter.status === 'revoked') fail('meter_revoked', "the meter's certificate was revoked by an operator");
    if (meter.status === 'suspended') fail('meter_suspended');
    // Not even a refusal may run on a package the database cannot prove: it goes nowhere near a module.
    if (meter.status === 'unproven')
      throw new VaultError('meter_unproven', `the database lacks transactions of meter ${meter.meterId} that a module witnessed`);
    return hooks.args ? await hooks.args(meter, scope) : {};
  };
  const run = onMeter(ctx, 'command', meterId, {
    async args(meter, scope) {
      refused = null; // a retried batch checks again
      try {
        return { ...input, ...(await checks(meter, scope)) };
      } catch (e) {
        if (!spendsChallenge(e)) throw e;
        refused = e;
        return { ...input, refusal: { code: e.code, message: e.message } };
      }
    },
    async answer(scope, result) {
      const moduleAnswer = { response: result.response, responseMac: result.responseMac };
      const why = refused as VaultError | null;
      let answer: Answer;
      if (result.error) {
        if (!why) await hooks.onRefused?.(scope, result);
        answer = refusalAnswer(result.error.code, result.error.message, { ...why?.extra, ...result.error.extra, ...moduleAnswer });
      } else {
        answer = { status: 200, body: { ...moduleAnswer, ...(hooks.onOk ? await hooks.onOk(scope, result) : {}) } };
      }
      // The key of a reused-key refusal holds the other request's answer already.
      if (why?.code !== 'idempotency_key_reused') remember(scope.writer, answer);
      return answer;
    },
  });
  // The module could not spend the challenge (a wrong MAC, a stale challenge): nothing changed, and
  // the server's refusal is still the answer. A failure of the system itself (5xx) is not hidden.
  return run.catch((e: unknown) => {
    const why = refused as VaultError | null;
    throw why && e instanceof VaultError && e.status < 500 ? why : e;
  });
}

/**
 * A signed command refused before it could join a batch (another customer's meter, a malformed
 * Idempotency-Key): the module still checks it and spends its challenge. Null when nothing was
 * spent (a wrong MAC, a stale challenge, no such meter, no module): the caller sends its refusal.
 */
export async function spendRefused(ctx: ServiceContext, meterId: string, input: CommandInput, why: VaultError): Promise<Answer | null> {
  if (!spendsChallenge(why)) return null;
  try {
    return await runMeterCommand(ctx, meterId, input, forget, { refuse: why });
  } catch (e) {
    if (e instanceof VaultError) return null;
    throw e;
  }
}

/** A print; with `shipTo`, its destination address is checked first and the standardized one answered for the label. */
export async function print(ctx: ServiceContext, meterId: string, input: CommandInput, remember: Remember, shipTo?: LabelAddress): Promise<Answer> {
  const destination = shipTo ? await checkPrintDestination(ctx, input, shipTo) : null;
  const checked = destination && 'address' in destination ? { shipTo: destination.address, addressWarnings: destination.warnings } : {};
  return runMeterCommand(ctx, meterId, input, remember, {
    ...(destination && 'refuse' in destination ? { refuse: destination.refuse } : {}),
    onOk: async ({ tx }, r) => {
      await mailIfLowBalance(tx, meterId, r);
      const res = r.response.result;
      return {
        item: { itemId: res.itemId, itemSerial: res.itemSerial, kind: res.kind ?? 'postage', amountMills: res.amountMills, itemBase64: r.item },
        ...checked,
      };
    },
  });
}

/** As with PC postage today: only unscanned, unredeemed labels are refunded, once. Checked in the batch's transaction. */
export function refund(ctx: ServiceContext, meterId: string, input: CommandInput, remember: Remember): Promise<Answer> {
  const itemId = input.params.itemId ?? '';
  return runMeterCommand(ctx, meterId, input, remember, {
    async args(_meter, { tx }) {
      const item = /^[0-9a-f]{32}$/.test(itemId) ? await repo.getItem(tx, itemId) : null;
      if (!item || item.meterId !== meterId) fail('not_found', 'no such item on this meter');
      if (item.refundedAt) fail('already_refunded', `refunded at ${item.refundedAt.toISOString()}`);
      if (await repo.wasScanned(tx, itemId)) fail('item_scanned', 'the item was scanned by a verifier');
      const redeemed = await repo.findRedemption(tx, itemId);
      if (redeemed) fail('already_redeemed', `redeemed at ${redeemed.at.toISOString()}`);
      return { itemBytes: item.itemBytes.toString('base64') };
    },
  });
}

/**
 * Log in (the owner, or a member with `input.member`): the module checks the password inside the
 * package; a success opens a session, a failure ends that user's sessions.
 */
export function login(ctx: ServiceContext, account: LoginAccount, input: CommandInput, remember: Remember): Promise<Answer> {
  return runMeterCommand(ctx, account.meterId, input, remember, {
    onOk: async ({ tx }) => ({ session: await openSession(tx, account.customerId, account.member) }),
    onRefused: async ({ tx }, r) => {
      await endSessions(tx, account.customerId, account.member);
      if (lockedTheMeter(r)) await mailLockout(tx, account.meterId, new Date(), account.member);
    },
  });
}

/** A registered customer or an accepted member, for login; one answer for every other name (no enumeration). */
export function customerForLogin(ctx: ServiceContext, user: string): Promise<LoginAccount> {
  return accountForLogin(ctx.db, user);
}

export interface LoginChallenge {
  readonly meterId: string;
  readonly response: CommandResult['response'];
  readonly responseMac: string;
}

/** A fresh module challenge for login, MAC-bound to the client's nonce. */
export async function loginChallenge(ctx: ServiceContext, user: string, clientNonce: string): Promise<LoginChallenge> {
  const account = await customerForLogin(ctx, user);
  return onMeter(ctx, 'challenge', account.meterId, {
    args: () => ({ clientNonce, ...(account.member !== null ? { member: account.member } : {}) }),
    answer: (_scope, r, meter) => ({ meterId: meter.meterId, response: r.response, responseMac: r.responseMac }),
  });
}
