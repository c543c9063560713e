import { describe, expect, it } from 'vitest';
import { lastCutoffMs, runSummary } from '../../../src/runtime/payments-job.js';
import { achConfigFromEnv } from '../../../src/services/index.js';

describe('the payments job schedule', () => {
  it('the latest cut-off is today once it has passed, else yesterday', () => {
    const cutoff = { hour: 21, minute: 0 };
    expect(new Date(lastCutoffMs(new Date('2026-11-30T21:00:00Z'), cutoff)).toISOString()).toBe('2026-11-30T21:00:00.000Z');
    expect(new Date(lastCutoffMs(new Date('2026-11-30T20:59:59Z'), cutoff)).toISOString()).toBe('2026-11-29T21:00:00.000Z');
    expect(new Date(lastCutoffMs(new Date('2026-12-01T00:00:00Z'), cutoff)).toISOString()).toBe('2026-11-30T21:00:00.000Z');
  });

  it('reads its settings with their defaults, and refuses bad ones', () => {
    const c = achConfigFromEnv({ VAULTMETER_HOME: '/home/vm' });
    expect(c).toMatchObject({
      odfi: '011000015',
      development: true,
      holdHours: 72,
      cutoffUtc: { hour: 21, minute: 0 },
      pollMs: 60_000,
      outboxDir: '/home/vm/bank-outbox',
    });
    expect(achConfigFromEnv({ VAULTMETER_ACH_ODFI: '021000021', VAULTMETER_ACH_CUTOFF_UTC: 'off' })).toMatchObject({ development: false, cutoffUtc: null });
    expect(() => achConfigFromEnv({ VAULTMETER_ACH_ODFI: '021000022' })).toThrow(/VAULTMETER_ACH_ODFI/);
    expect(() => achConfigFromEnv({ VAULTMETER_ACH_CUTOFF_UTC: '25:00' })).toThrow(/HH:MM/);
    expect(() => achConfigFromEnv({ VAULTMETER_ACH_HOLD_HOURS: '-1' })).toThrow(/HOLD_HOURS/);
    expect(() => achConfigFromEnv({ VAULTMETER_PAYMENTS_POLL_MS: '5' })).toThrow(/POLL_MS/);
    expect(() => achConfigFromEnv({ VAULTMETER_ACH_COMPANY_ID: 'short' })).toThrow(/COMPANY_ID/);
  });

  it('logs a run that moved money, stranded cards counted; a run that only found cards still waiting logs nothing', () => {
    const card = (outcome: 'settled' | 'cancelled' | 'pending' | 'failed') => ({ requestId: 'r', meterId: 'm', outcome, amountMills: '1000' });
    expect(runSummary({ files: [], settled: [], cards: [card('pending')] })).toBeNull();
    expect(runSummary({ files: [], settled: [], cards: [card('settled'), card('cancelled'), card('pending'), card('failed'), card('failed')] })).toBe(
      'payments: 0 NACHA file(s) (0 debits); 0 settled, 0 refused; stranded cards: 1 settled, 1 cancelled, 1 pending, 2 failed',
    );
  });
});
