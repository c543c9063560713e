import { createHash, randomBytes } from 'node:crypto';
import { EMAIL_TOKEN_BYTES, EMAIL_TOKEN_TTL_MS } from '../constants.js';
import { fail } from '../errors.js';
import type { ProfileAddress } from '../ledger/index.js';
import { mailRepo, repo, type Db, type Q } from '../store/index.js';
import type { ServiceContext } from './context.js';
import { normalizeEmail } from './email-address.js';
import { logChange } from './logged.js';
import { verificationMail } from './mail/verification-mail.js';
import type { CustomerSession } from './sessions.js';

// The customer's profile: name, company, postal address and an e-mail address that is verified.
// Changes are ledger effects (`profile_updated`, `email_verified`) sealed by a module like any
// other change. They go through logChange, not logChangeOrNote: a customer's change waits for a
// module like every customer command; only dual-control recovery may bypass the log.
// The verification token and its mail are not ledger state; they commit in the same transaction.

export interface ProfileInput {
  readonly name: string;
  readonly company: string;
  readonly address: ProfileAddress;
  readonly email: string | null;
}

export interface ProfileView extends ProfileInput {
  readonly emailVerified: boolean;
  readonly emailVerifiedAt: string | null;
  readonly updatedAt: string | null;
}

const EMPTY_ADDRESS: ProfileAddress = { street: '', secondary: '', city: '', state: '', zip: '' };

export async function getProfile(db: Db, session: CustomerSession): Promise<ProfileView> {
  const p = await repo.findProfile(db, session.customerId);
  if (!p) return { name: '', company: '', address: EMPTY_ADDRESS, email: null, emailVerified: false, emailVerifiedAt: null, updatedAt: null };
  return {
    name: p.name,
    company: p.company,
    address: { ...EMPTY_ADDRESS, ...p.address },
    email: p.email,
    emailVerified: p.emailVerifiedAt !== null,
    emailVerifiedAt: p.emailVerifiedAt?.toISOString() ?? null,
    updatedAt: p.updatedAt.toISOString(),
  };
}

const emailTokenHash = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** A one-time token for `email`, kept as its hash, and the mail that carries it, in the caller's transaction. */
async function sendVerification(tx: Q, session: CustomerSession, email: string): Promise<void> {
  const token = randomBytes(EMAIL_TOKEN_BYTES).toString('base64url');
  const expiresAt = new Date(Date.now() + EMAIL_TOKEN_TTL_MS);
  await repo.insertEmailToken(tx, emailTokenHash(token), session.customerId, email, expiresAt);
  await mailRepo.enqueueMail(tx, verificationMail({ to: email, username: session.username, token, expiresAt }));
}

/** Replace the profile. A new e-mail address is unverified, and gets a verification mail. */
export async function updateProfile(ctx: ServiceContext, session: CustomerSession, input: ProfileInput): Promise<ProfileView & { verificationSent: boolean }> {
  const email = input.email === null ? null : normalizeEmail(input.email);
  let verificationSent = false;
  await logChange(ctx, {
    key: `profile:${session.username}`,
    meterId: session.meterId,
    effects: async ({ tx }) => {
      verificationSent = email !== null && (await repo.findProfile(tx, session.customerId))?.email !== email;
      return [{ kind: 'profile_updated', username: session.username, name: input.name, company: input.company, address: input.address, email }];
    },
    answer: async ({ tx }) => {
      if (verificationSent && email !== null) await sendVerification(tx, session, email);
    },
  });
  return { ...(await getProfile(ctx.db, session)), verificationSent };
}

/** Check a token inside the batch's transaction; any fault is one refusal, and nothing changes. */
async function checkToken(tx: Q, session: CustomerSession, hash: Buffer): Promise<string> {
  const t = await repo.lockEmailToken(tx, hash);
  const profile = await repo.findProfile(tx, session.customerId);
  const code = 'email_token_invalid';
  if (!t || t.customerId !== session.customerId) fail(code, 'no such token for this account');
  if (t.usedAt) fail(code, 'the token was used already');
  if (t.expiresAt.getTime() <= Date.now()) fail(code, 'the token has expired; set the address again for a new one');
  if (!profile || profile.email !== t.email) fail(code, 'the e-mail address changed since this token was sent');
  if (profile.emailVerifiedAt) fail(code, 'the address is verified already');
  return t.email;
}

/** `POST /v1/profile/email/verify`: the token from the mail proves the customer reads the address. */
export async function verifyEmail(ctx: ServiceContext, session: CustomerSession, token: string): Promise<ProfileView> {
  const hash = emailTokenHash(token);
  await logChange(ctx, {
    key: `profile:${session.username}`,
    meterId: session.meterId,
    effects: async ({ tx }) => [{ kind: 'email_verified', username: session.username, email: await checkToken(tx, session, hash) }],
    answer: ({ tx }) => repo.useEmailToken(tx, hash),
  });
  return getProfile(ctx.db, session);
}
