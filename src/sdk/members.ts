import { callApi } from './http.js';
import type { MeterClient } from './meter-client.js';
import type { MemberRole } from '../protocol/index.js';

// Several users per account over HTTP (issue 14 item 1): the owner invites (MeterClient.inviteMember,
// with a code drawn in invitation-draw.ts), lists and removes; the invitee accepts with
// MeterClient.register as `owner+member`.

export type { MemberRole } from '../protocol/index.js';
export { drawInvitation, type Invitation, type InvitationRequest } from './invitation-draw.js';

export interface MemberInfo {
  member: string;
  login: string;
  role: MemberRole;
  status: 'invited' | 'active' | 'locked' | 'removed';
  email: string | null;
  invitedAt: string;
  expiresAt: string;
  joinedAt: string | null;
  removedAt: string | null;
}

/** The owner's listing. */
export async function listMembers(client: MeterClient): Promise<MemberInfo[]> {
  const r = await callApi<{ members: MemberInfo[] }>(client.server, 'GET', '/v1/members', undefined, { headers: client.sessionHeaders() });
  return r.members;
}
