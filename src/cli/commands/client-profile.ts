import type { Command } from 'commander';
import { fetchProfile, ProfileError, putProfile, type CustomerProfile, type CustomerProfileInput } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type Common, session, withCommon } from './client-options.js';

// `vaultmeter client profile [show|set]`: the customer's name, company, address and e-mail address.
// `set` changes only the fields given: it reads the profile, changes them and puts it back whole.

interface SetOpts extends Common {
  name?: string;
  company?: string;
  street?: string;
  secondary?: string;
  city?: string;
  state?: string;
  zip?: string;
  email?: string;
  clearEmail?: boolean;
}

function describeProfile(p: CustomerProfile): string {
  const a = p.address;
  const place = [a.street, a.secondary, [a.city, a.state, a.zip].filter(Boolean).join(' ')].filter(Boolean).join(', ');
  const email = p.email ? `${p.email} (${p.emailVerified ? `verified ${p.emailVerifiedAt}` : 'not verified'})` : '(none)';
  return [
    `name:    ${p.name || '(none)'}`,
    `company: ${p.company || '(none)'}`,
    `address: ${place || '(none)'}`,
    `e-mail:  ${email}`,
    ...(p.verificationSent ? ['a verification mail is on its way: run `vaultmeter client verify-email --token <token from the mail>`'] : []),
  ].join('\n');
}

function changed(p: CustomerProfile, o: SetOpts): CustomerProfileInput {
  const pick = (given: string | undefined, was: string) => given ?? was;
  const a = p.address;
  return {
    name: pick(o.name, p.name),
    company: pick(o.company, p.company),
    address: {
      street: pick(o.street, a.street),
      secondary: pick(o.secondary, a.secondary),
      city: pick(o.city, a.city),
      state: pick(o.state, a.state),
      zip: pick(o.zip, a.zip),
    },
    email: o.clearEmail ? null : pick(o.email, p.email ?? '') || null,
  };
}

export function clientProfile(client: Command): void {
  const profile = client.command('profile').description('your profile: name, company, address and a verified e-mail address');
  withCommon(profile.command('show', { isDefault: true }).description('show the profile')).action(
    action(async (o: Common) => {
      const p = await fetchProfile(await session(o));
      emit(o.json === true, { ...p }, () => describeProfile(p));
    }),
  );
  withCommon(profile.command('set').description('change the fields given; a new e-mail address gets a verification mail'))
    .option('--name <name>', 'your name')
    .option('--company <company>', 'your company')
    .option('--street <street>', 'street address (delivery line)')
    .option('--secondary <secondary>', 'apartment, suite, unit')
    .option('--city <city>', 'city')
    .option('--state <state>', 'state')
    .option('--zip <zip>', 'ZIP Code')
    .option('--email <address>', 'e-mail address: unverified until you run verify-email with the token mailed to it')
    .option('--clear-email', 'remove the e-mail address (no more mail)')
    .action(
      action(async (o: SetOpts) => {
        if (o.email !== undefined && o.clearEmail) throw new ProfileError('invalid_request', 'give --email or --clear-email, not both');
        const client = await session(o);
        const p = await putProfile(client, changed(await fetchProfile(client), o));
        emit(o.json === true, { ...p }, () => describeProfile(p));
      }),
    );
}
