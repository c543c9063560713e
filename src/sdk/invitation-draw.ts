import { INVITATION_TTL_MS } from '../constants.js';
import { checkInviteParams, type MemberRole } from '../protocol/index.js';
import type { ClientCrypto } from './crypto.js';

// The owner's client draws an invitation's code itself: the module gets only its SHA-256 (in the
// MAC'd `member_invite`), and the invitee's sealed acceptance must hold the code. Mailing it is the
// owner's choice: without `mail` the code never reaches the server.

export interface InvitationRequest {
  readonly member: string;
  readonly role: MemberRole;
  /** Where the invitation goes; with `mail` the server sends the code there. */
  readonly email?: string;
  readonly mail?: boolean;
  /** Default and most: 72 hours. */
  readonly expiresInHours?: number;
}

/** An invitation made: `code` is what the invitee accepts with, shown once. */
export interface Invitation {
  readonly code: string;
  readonly login: string;
  readonly role: MemberRole;
  readonly expiresAt: string;
  readonly mailed: boolean;
}

const CODE_BYTES = 32;

/** A fresh code and the `member_invite` command's parameters (its hash, never the code). */
export async function drawInvitation(crypto: ClientCrypto, req: InvitationRequest, nowMs: number): Promise<{ code: string; params: Record<string, string> }> {
  const hours = req.expiresInHours ?? INVITATION_TTL_MS / 3_600_000;
  if (!(hours > 0 && hours * 3_600_000 <= INVITATION_TTL_MS))
    throw new RangeError(`an invitation lives more than 0 and at most ${INVITATION_TTL_MS / 3_600_000} hours`);
  if (req.mail && !req.email) throw new RangeError('an invitation is mailed to an e-mail address: give one');
  const code = Buffer.from(await crypto.randomBytes(CODE_BYTES)).toString('base64url');
  const codeHash = Buffer.from(await crypto.sha256(Buffer.from(code, 'utf8'))).toString('hex');
  // Whole seconds, a moment short of the bound, so the module's own clock never finds it too far out.
  const expiresAt = new Date(Math.floor((nowMs + hours * 3_600_000) / 1000) * 1000 - 1000).toISOString();
  const params = { member: req.member, role: req.role, codeHash, email: req.email ?? '', expiresAt };
  const checked = checkInviteParams(params, nowMs);
  if (typeof checked === 'string') throw new RangeError(checked);
  return { code, params };
}
