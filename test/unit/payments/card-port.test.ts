import { describe, expect, it } from 'vitest';
import { apiBase, cardCode, millsToCents, stripeSettingsFromEnv } from '../../../src/services/index.js';

describe('card payments: the pure parts of the port', () => {
  it('turns mills into cents only for whole cents', () => {
    expect(millsToCents(50_000n)).toBe(5_000);
    expect(millsToCents(10n)).toBe(1);
    expect(() => millsToCents(15n)).toThrow(RangeError);
    expect(() => millsToCents(0n)).toThrow(RangeError);
  });

  it('names a processor reason as a card_* code', () => {
    expect(cardCode('card_declined')).toBe('card_declined');
    expect(cardCode('expired_card')).toBe('card_expired_card');
    expect(cardCode('Insufficient-Funds')).toBe('card_insufficient_funds');
    expect(cardCode(null)).toBe('card_declined');
    expect(cardCode('x'.repeat(60))).toBe('card_declined');
  });

  it('reads STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and the stand-in host', () => {
    expect(stripeSettingsFromEnv({})).toBeNull();
    expect(stripeSettingsFromEnv({ STRIPE_SECRET_KEY: '  ' })).toBeNull();
    expect(stripeSettingsFromEnv({ STRIPE_SECRET_KEY: 'sk_test_1' })).toEqual({ secretKey: 'sk_test_1', webhookSecret: null });
    expect(
      stripeSettingsFromEnv({ STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_WEBHOOK_SECRET: 'whsec_2', VAULTMETER_STRIPE_API_BASE: 'http://127.0.0.1:12111' }),
    ).toEqual({
      secretKey: 'sk_test_1',
      webhookSecret: 'whsec_2',
      host: '127.0.0.1',
      port: 12111,
      protocol: 'http',
    });
    expect(apiBase('https://stripe.example.com')).toEqual({ host: 'stripe.example.com', port: 443, protocol: 'https' });
    for (const bad of ['not a url', 'ftp://x', 'http://h/v1', 'http://u:p@h', 'http://h?x=1']) expect(() => apiBase(bad)).toThrow(/VAULTMETER_STRIPE_API_BASE/);
  });
});
