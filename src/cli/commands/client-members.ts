import type { Command } from 'commander';
import { isMemberName, MEMBER_ROLES, type MemberRole } from '../../protocol/index.js';
import { listMembers, ProfileError, type MemberInfo } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type Common, session, withCommon } from './client-options.js';

// `vaultmeter client members [list|invite|remove]`: the account's other users (the owner's session).
// `invite` draws the code here and prints it once; with --mail the server sends it to --email too.
// The invitee accepts with `client register --user OWNER+MEMBER --invite-code CODE`.

interface InviteOpts extends Common {
  role: string;
  email?: string;
  mail?: boolean;
  expiresHours?: string;
}

const describe = (m: MemberInfo): string => {
  const when =
    m.status === 'invited' ? `invited ${m.invitedAt}, lapses ${m.expiresAt}` : m.status === 'removed' ? `removed ${m.removedAt}` : `joined ${m.joinedAt}`;
  return `${m.login.padEnd(40)} ${m.role.padEnd(8)} ${m.status.padEnd(8)} ${when}${m.email ? `  <${m.email}>` : ''}`;
};

function memberName(text: string): string {
  if (!isMemberName(text)) throw new ProfileError('invalid_request', 'a member name is 1-32 of A-Z a-z 0-9 . _ @ -');
  return text;
}

function hours(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d?$/.test(text) || Number(text) > 72) throw new ProfileError('invalid_request', '--expires-hours is a whole number from 1 to 72');
  return Number(text);
}

export function clientMembers(client: Command): void {
  const members = client.command('members').description("the account's other users: shippers print and refund, viewers read (the owner manages them)");
  withCommon(members.command('list', { isDefault: true }).description('list the members: invited, active, locked and removed')).action(
    action(async (o: Common) => {
      const list = await listMembers(await session(o));
      emit(o.json === true, { members: list }, () => (list.length ? list.map(describe).join('\n') : '(no members)'));
    }),
  );
  withCommon(members.command('invite').description('invite a member (a MAC-signed meter command); the invitation code is printed once'))
    .argument('<name>', 'the member name; the member logs in as YOU+NAME')
    .requiredOption('--role <role>', MEMBER_ROLES.join(' or '))
    .option('--email <address>', "the invitee's e-mail address")
    .option('--mail', 'have the server mail the code to --email (else hand it over yourself: the server never sees it)')
    .option('--expires-hours <n>', 'hours until the invitation lapses, 1 to 72', '72')
    .action(
      action(async (name: string, o: InviteOpts) => {
        if (!(MEMBER_ROLES as readonly string[]).includes(o.role)) throw new ProfileError('invalid_request', `--role is ${MEMBER_ROLES.join(' or ')}`);
        if (o.mail && !o.email) throw new ProfileError('invalid_request', '--mail needs --email');
        const inv = await (
          await session(o)
        ).inviteMember({
          member: memberName(name),
          role: o.role as MemberRole,
          ...(o.email ? { email: o.email } : {}),
          mail: o.mail === true,
          ...(o.expiresHours ? { expiresInHours: hours(o.expiresHours) } : {}),
        });
        emit(o.json === true, { login: inv.login, role: inv.role, code: inv.code, expiresAt: inv.expiresAt, mailed: inv.mailed, shownOnce: true }, () =>
          [
            inv.code,
            '',
            `Invited ${inv.login} as a ${inv.role}, until ${inv.expiresAt}${inv.mailed ? `; the code was mailed to ${o.email}` : ''}.`,
            `They accept with: vaultmeter client register --user ${inv.login} --invite-code <the code above>`,
            'This is the only time the code is shown.',
          ].join('\n'),
        );
      }),
    );
  withCommon(members.command('remove').description("remove a member: its keys leave the meter's package and its sessions end"))
    .argument('<name>', 'the member name (without YOU+)')
    .action(
      action(async (name: string, o: Common) => {
        await (await session(o)).removeMember(memberName(name));
        emit(o.json === true, { removed: name }, () => `removed ${name}`);
      }),
    );
}
