import { CARE_LOOKUP_ROWS } from '../constants.js';
import { historyRepo, repo } from '../store/index.js';
import type { ServiceContext } from './context.js';
import { registeredCustomer } from './funding.js';

// Customer care's look-up: one customer's standing in one answer, from the database's clear rows
// only. The sealed package (state, failed logins) is the module's: a device audit shows that.

export interface CustomerRecord {
  readonly user: string;
  readonly meterId: string;
  readonly registeredAt: string | null;
  readonly meter: {
    readonly status: string;
    readonly statusReason: string | null;
    /** As the transaction history computes them from the database's rows; the module's own are in a device audit. */
    readonly arMills: string;
    readonly drMills: string;
    readonly packageVersion: string;
  };
  readonly profile: { readonly name: string; readonly company: string; readonly email: string | null; readonly emailVerified: boolean } | null;
  readonly bankAccounts: readonly { readonly bankAccountId: string; readonly routing: string; readonly last4: string; readonly accountType: string }[];
  readonly fundingRequests: readonly { readonly requestId: string; readonly amountMills: string; readonly status: string; readonly requestedAt: string }[];
  readonly apiKeys: number;
  readonly members: readonly { readonly member: string; readonly role: string; readonly status: string }[];
  readonly refund: { readonly refundMills: string; readonly owedMills: string; readonly state: string; readonly closedAt: string } | null;
  readonly events: readonly { readonly kind: string; readonly actor: string | null; readonly at: string; readonly detail: Record<string, unknown> }[];
}

export async function customerRecord(ctx: ServiceContext, user: string): Promise<CustomerRecord> {
  const c = await registeredCustomer(ctx, user);
  const db = ctx.db;
  const [standing, registers, profile, banks, funding, keys, members, refund, events] = await Promise.all([
    repo.meterStanding(db, c.meterId),
    historyRepo.currentRegisters(db, c.meterId),
    repo.findProfile(db, c.customerId),
    repo.listBankAccounts(db, c.customerId),
    repo.listFundingRequests(db, c.meterId, CARE_LOOKUP_ROWS),
    repo.countLiveApiKeys(db, c.meterId),
    repo.listMembers(db, c.meterId),
    repo.findAccountRefund(db, c.meterId),
    repo.meterAuditEvents(db, c.meterId, CARE_LOOKUP_ROWS),
  ]);
  return {
    user: c.username,
    meterId: c.meterId,
    registeredAt: c.registeredAt?.toISOString() ?? null,
    meter: {
      status: standing?.status ?? 'unknown',
      statusReason: standing?.statusReason ?? null,
      arMills: registers.arMills.toString(),
      drMills: registers.drMills.toString(),
      packageVersion: (standing?.packageVersion ?? 0n).toString(),
    },
    profile: profile && { name: profile.name, company: profile.company, email: profile.email, emailVerified: profile.emailVerifiedAt !== null },
    bankAccounts: banks.map((b) => ({ bankAccountId: b.bankAccountId, routing: b.routing, last4: b.last4, accountType: b.accountType })),
    fundingRequests: funding.map((f) => ({
      requestId: f.requestId,
      amountMills: f.amountMills.toString(),
      status: f.status,
      requestedAt: f.requestedAt.toISOString(),
    })),
    apiKeys: keys,
    members: members.map((m) => ({ member: m.member, role: m.role, status: m.status })),
    refund: refund && {
      refundMills: refund.refundMills.toString(),
      owedMills: refund.owedMills.toString(),
      state: refund.state,
      closedAt: refund.closedAt.toISOString(),
    },
    events: events.map((e) => ({ kind: e.kind, actor: e.actor, at: e.at.toISOString(), detail: e.detail })),
  };
}
