import { describe, expect, it } from 'vitest';
import { MAX_EMAIL_LENGTH } from '../../../src/constants.js';
import { emailProblem, normalizeEmail } from '../../../src/services/index.js';

describe('e-mail address syntax', () => {
  it('takes ordinary addresses and lowercases only the domain', () => {
    for (const ok of ['ann@example.com', 'Ann.Lee+meter@mail.example.co.uk', "o'hara@example.org", 'x_y-z@sub-domain.example.io'])
      expect(emailProblem(ok), ok).toBeNull();
    expect(normalizeEmail('  Ann.Lee@Example.COM ')).toBe('Ann.Lee@example.com');
  });

  it('refuses what cannot be a sendable address, with a reason', () => {
    const bad = [
      '',
      'ann',
      '@example.com',
      'ann@',
      'ann@localhost',
      'a..b@example.com',
      '.ann@example.com',
      'ann.@example.com',
      'ann@-example.com',
      'ann@example-.com',
      'ann@exa mple.com',
      'ann lee@example.com',
      'ann@example.123',
      '"ann"@example.com',
      'ann@[127.0.0.1]',
      'ann@example.com\r\nBcc: x@example.com',
      `${'a'.repeat(65)}@example.com`,
      `a@${'b'.repeat(64)}.com`,
      `${'a'.repeat(60)}@${'b.'.repeat(100)}com`,
    ];
    for (const b of bad) expect(emailProblem(b), JSON.stringify(b)).not.toBeNull();
    expect(`${'a'.repeat(60)}@${'b.'.repeat(100)}com`.length).toBeGreaterThan(MAX_EMAIL_LENGTH);
  });

  it('throws invalid_email for a bad one', () => {
    expect(() => normalizeEmail('no-at-sign')).toThrow(expect.objectContaining({ code: 'invalid_email' }));
  });
});
