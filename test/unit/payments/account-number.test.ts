import { describe, expect, it } from 'vitest';
import { accountLast4, normalizeAccountNumber } from '../../../src/payments/index.js';

describe('bank account numbers', () => {
  it('accepts 4 to 17 letters, digits and inner hyphens, upper-cased as the NACHA file holds them', () => {
    expect(normalizeAccountNumber('1234')).toBe('1234');
    expect(normalizeAccountNumber('12345678901234567')).toBe('12345678901234567');
    expect(normalizeAccountNumber('ab-12-cd')).toBe('AB-12-CD');
    expect(normalizeAccountNumber('000123')).toBe('000123');
  });

  it('refuses anything else', () => {
    for (const bad of ['', '123', '1'.repeat(18), '-123', '123-', '12 34', '12_34', '1234\n', 'ßß12', '１２３４', '12.34'])
      expect(normalizeAccountNumber(bad), JSON.stringify(bad)).toBeNull();
  });

  it('shows the last four characters', () => {
    expect(accountLast4('AB-12-CD')).toBe('2-CD');
    expect(accountLast4('000123456789')).toBe('6789');
  });
});
