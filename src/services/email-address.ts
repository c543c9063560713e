import { MAX_EMAIL_LENGTH, MAX_EMAIL_LOCAL_LENGTH } from '../constants.js';
import { fail } from '../errors.js';

// The syntax of an address we send mail to: a dot-atom local part and a DNS domain name with at
// least two labels (RFC 5321/5322 without quoted strings, comments or address literals, which no
// customer needs and which are where header injection and parser confusion live). Whether the
// address is the customer's is what verification proves; this only refuses what cannot be one.

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Why `value` is not a sendable address, or null when it is one. */
export function emailProblem(value: string): string | null {
  if (value.length === 0) return 'the address is empty';
  if (value.length > MAX_EMAIL_LENGTH) return `the address is longer than ${MAX_EMAIL_LENGTH} characters`;
  const at = value.lastIndexOf('@');
  if (at < 0) return 'the address has no @';
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length === 0 || local.length > MAX_EMAIL_LOCAL_LENGTH) return `the part before @ must be 1 to ${MAX_EMAIL_LOCAL_LENGTH} characters`;
  if (!LOCAL.test(local)) return 'the part before @ has a character or a dot where none may be';
  const labels = domain.split('.');
  if (labels.length < 2) return 'the domain must have at least two labels (example.com)';
  if (!labels.every((l) => LABEL.test(l))) return 'the domain is not a valid host name';
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return 'the top-level domain cannot be numeric';
  return null;
}

/** The address as stored: surrounding blanks dropped and the domain in lower case (domains ignore case; local parts may not). */
export function normalizeEmail(value: string): string {
  const v = value.trim();
  const problem = emailProblem(v);
  if (problem) fail('invalid_email', problem);
  const at = v.lastIndexOf('@');
  return `${v.slice(0, at)}@${v.slice(at + 1).toLowerCase()}`;
}
