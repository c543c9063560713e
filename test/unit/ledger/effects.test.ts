import { describe, expect, it } from 'vitest';
import { MAX_DECLARED_EFFECTS } from '../../../src/constants.js';
import {
  checkDeclaredEffects,
  checkEffect,
  EFFECT_KINDS,
  EFFECT_SCHEMAS,
  effectsOf,
  EffectError,
  SERVER_DECLARED,
  type LedgerEffect,
} from '../../../src/ledger/index.js';
import { APPLIERS, applyEffect, BatchWriter } from '../../../src/store/index.js';

const METER = '0b0e7c0e-7c47-4d7e-9f5e-6d1f3d0c9a11';
const ITEM = 'ab'.repeat(16);
const pkg = (version: string) => ({ meterId: METER, version, sealed: Buffer.from(`package v${version}`).toString('base64') });
const response = (op: string, status = 'ok', result: Record<string, string> = {}) => ({ op, status, result });

/** A queryable that records statements and answers each with `rowCount`. */
function recorder(rowCount: (sql: string, params: unknown[]) => number = (_sql, params) => (Array.isArray(params[0]) ? params[0].length : 1)) {
  const calls: { sql: string; params: unknown[] }[] = [];
  return {
    calls,
    query: async (sql: string, params: unknown[] = []) => {
      calls.push({ sql, params });
      return { rowCount: rowCount(sql, params), rows: [] };
    },
  };
}

describe('the ledger effect catalogue', () => {
  it('has a schema and an applier for every kind, and nothing else', () => {
    expect(Object.keys(EFFECT_SCHEMAS).sort()).toEqual([...EFFECT_KINDS].sort());
    expect(Object.keys(APPLIERS).sort()).toEqual([...EFFECT_KINDS].sort());
    for (const kind of EFFECT_KINDS) expect(typeof APPLIERS[kind], kind).toBe('function');
  });

  it('derives well-formed effects for every package op', () => {
    const cases: [Parameters<typeof effectsOf>[0], Parameters<typeof effectsOf>[1], Parameters<typeof effectsOf>[2], string[]][] = [
      ['provision', { licensingZip: '20260' }, { package: pkg('1'), meterId: METER, certSerialHex: 'aa', certificatePem: 'PEM' }, ['meter_provisioned']],
      [
        'registerBegin',
        { pkg: pkg('1'), effects: [{ kind: 'customer_claimed', username: 'ann', meterId: METER }] },
        { package: pkg('2') },
        ['package_stored', 'customer_claimed'],
      ],
      ['registerComplete', { pkg: pkg('2') }, { package: pkg('3'), response: response('register') }, ['package_stored', 'customer_registered']],
      ['fund', { pkg: pkg('3'), amountMills: '5000', actor: 'officer' }, { package: pkg('4') }, ['package_stored', 'meter_funded']],
      ['audit', { pkg: pkg('4'), actor: 'officer' }, { package: pkg('5') }, ['package_stored', 'meter_audited']],
      ['challenge', { pkg: pkg('5') }, { package: pkg('6'), response: response('challenge') }, ['package_stored']],
      [
        'command',
        { pkg: pkg('6') },
        { package: pkg('7'), item: 'aXRlbQ==', response: response('print', 'ok', { itemId: ITEM, itemSerial: '1', amountMills: '730', kind: 'postage' }) },
        ['package_stored', 'item_printed'],
      ],
      ['command', { pkg: pkg('7') }, { package: pkg('8'), response: response('refund', 'ok', { itemId: ITEM }) }, ['package_stored', 'item_refunded']],
      ['command', { pkg: pkg('8') }, { package: pkg('9'), response: response('password') }, ['package_stored', 'password_changed']],
      [
        'command',
        { pkg: pkg('9') },
        { package: pkg('10'), response: response('login', 'invalid_credentials'), error: { code: 'invalid_credentials', extra: { remainingAttempts: 0 } } },
        ['package_stored', 'meter_locked'],
      ],
      [
        'command',
        { pkg: pkg('10') },
        { package: pkg('11'), response: response('print', 'insufficient_funds'), error: { code: 'insufficient_funds' } },
        ['package_stored'],
      ],
      ['command', { pkg: pkg('11') }, { package: pkg('12'), response: response('withdraw') }, ['package_stored', 'meter_withdrawn']],
      ['log', { effects: [{ kind: 'meter_revoked', meterId: METER, officer: 'o', reason: 'r' }] }, {}, ['meter_revoked']],
      ['unlock', { pkg: pkg('12'), actor: 'so' }, { package: pkg('13') }, ['package_stored', 'meter_unlocked']],
      ['revoke', { pkg: pkg('13'), actor: 'so', reason: 'lost' }, { package: pkg('14') }, ['package_stored', 'meter_revoked']],
    ];
    for (const [op, args, result, kinds] of cases) {
      const effects = effectsOf(op, args, result);
      expect(
        effects.map((e) => e.kind),
        op,
      ).toEqual(kinds);
      for (const e of effects) expect(checkEffect(e)).toBe(e);
    }
    const stored = effectsOf('fund', { pkg: pkg('3'), amountMills: '5000', actor: 'o' }, { package: pkg('4') })[0];
    expect(stored).toEqual({ kind: 'package_stored', meterId: METER, fromVersion: '3', toVersion: '4', sealed: pkg('4').sealed });
  });

  it('refuses unknown kinds, extra or missing fields, and kinds the server may not declare', () => {
    expect(() => checkEffect({ kind: 'money_printed', meterId: METER })).toThrow(EffectError);
    expect(() => checkEffect({ kind: 'item_refunded', meterId: METER, itemId: ITEM, amountMills: '5' })).toThrow(/item_refunded/);
    expect(() => checkEffect({ kind: 'item_refunded', meterId: METER })).toThrow(/itemId/);
    expect(() => checkEffect(null)).toThrow(EffectError);
    expect(() => checkDeclaredEffects([{ kind: 'package_stored', meterId: METER, fromVersion: '1', toVersion: '2', sealed: '' }])).toThrow(/may not declare/);
    expect(() => checkDeclaredEffects([{ kind: 'meter_funded', meterId: METER, amountMills: '5000000', officer: 'x' }])).toThrow(/may not declare/);
    // A revocation is the module's to write now (a security officer's statement on the package).
    expect(() => checkDeclaredEffects([{ kind: 'meter_revoked', meterId: METER, officer: 'o', reason: 'r' }])).toThrow(/may not declare/);
    const request = { kind: 'approval_requested', approvalId: '1', action: 'clear_halt', params: {}, by: 'o' };
    expect(checkDeclaredEffects([request])).toEqual([request]);
    expect(() => checkDeclaredEffects(Array(MAX_DECLARED_EFFECTS + 1).fill(request))).toThrow(/at most/);
    expect(() => checkDeclaredEffects('nope')).toThrow(EffectError);
    expect(checkDeclaredEffects(undefined)).toEqual([]);
    for (const k of SERVER_DECLARED) expect(['package_stored', 'item_printed', 'meter_funded', 'meter_provisioned']).not.toContain(k);
  });
});

describe('applyEffect and the batch writer', () => {
  const at = { atMs: Date.UTC(2026, 10, 29, 12) };
  const effects: LedgerEffect[] = [
    { kind: 'package_stored', meterId: METER, fromVersion: '1', toVersion: '2', sealed: 'AA==' },
    { kind: 'package_stored', meterId: METER, fromVersion: '2', toVersion: '3', sealed: 'AQ==' },
    { kind: 'item_refunded', meterId: METER, itemId: ITEM },
  ];

  it('replay keeps the newest package per meter and tolerates rows already there', async () => {
    const w = new BatchWriter('replay');
    for (const e of effects) applyEffect(w, e, at);
    const db = recorder(() => 0);
    await w.flush(db);
    const update = db.calls.find((c) => c.sql.includes('UPDATE postal.meters m SET package'))!;
    expect(update.sql).toContain('m.package_version < v.to_version');
    expect(update.params[5]).toEqual(['3']);
    expect(db.calls.some((c) => c.sql.includes('refunded_at = $2') && (c.params[1] as Date).getTime() === at.atMs)).toBe(true);
  });

  it('live is a compare-and-set: a row that is not where it was read aborts with conflict', async () => {
    const w = new BatchWriter('live');
    applyEffect(w, effects[0]!, at);
    await expect(w.flush(recorder(() => 0))).rejects.toMatchObject({ code: 'conflict' });
    const w2 = new BatchWriter('live');
    applyEffect(w2, effects[2]!, at);
    await expect(w2.flush(recorder(() => 0))).rejects.toMatchObject({ code: 'conflict' });
    const w3 = new BatchWriter('live');
    applyEffect(w3, effects[0]!, at);
    applyEffect(w3, effects[2]!, at);
    const ok = recorder();
    await w3.flush(ok);
    expect(ok.calls.find((c) => c.sql.includes('SET package'))!.sql).toContain('m.package_version = v.from_version');
  });

  it('writes the rows of an effect at the time of its record', async () => {
    const w = new BatchWriter('replay');
    applyEffect(w, { kind: 'meter_revoked', meterId: METER, officer: 'olga', reason: 'fraud' }, at);
    const db = recorder();
    await w.flush(db);
    expect(db.calls.map((c) => c.sql.split(' ').slice(0, 3).join(' '))).toEqual([
      'UPDATE postal.meters SET',
      'INSERT INTO support.operator_actions',
      'INSERT INTO support.audit_events',
    ]);
    for (const c of db.calls) expect(c.params.some((p) => p instanceof Date && p.getTime() === at.atMs)).toBe(true);
  });
});

describe('the profile effects', () => {
  const at = { atMs: Date.UTC(2026, 10, 29, 12) };
  const address = { street: '1 Main St', secondary: '', city: 'Long Beach', state: 'CA', zip: '90807' };
  const updated = { kind: 'profile_updated', username: 'ann', name: 'Ann', company: '', address, email: 'ann@example.com' } as const;

  it('the server may declare them; their schemas bound every field', () => {
    expect(checkDeclaredEffects([updated, { kind: 'email_verified', username: 'ann', email: 'ann@example.com' }])).toHaveLength(2);
    expect(checkDeclaredEffects([{ ...updated, email: null }])).toHaveLength(1);
    expect(() => checkEffect({ ...updated, name: 'x'.repeat(1000) })).toThrow(EffectError);
    expect(() => checkEffect({ ...updated, address: { ...address, country: 'US' } })).toThrow(EffectError);
    expect(() => checkEffect({ kind: 'email_verified', username: 'ann' })).toThrow(/email/);
  });

  it('name the customer by user name, reset a changed address, and verify only the address it names', async () => {
    const w = new BatchWriter('live');
    applyEffect(w, updated, at);
    applyEffect(w, { kind: 'email_verified', username: 'ann', email: 'ann@example.com' }, at);
    const db = recorder();
    await w.flush(db);
    const [upsert, verify] = db.calls;
    expect(upsert!.sql).toContain('FROM membership.customers WHERE username = $1');
    expect(upsert!.sql).toMatch(/CASE WHEN p\.email IS NOT DISTINCT FROM EXCLUDED\.email THEN p\.email_verified_at END/);
    expect(upsert!.params).toEqual(['ann', 'Ann', '', JSON.stringify(address), 'ann@example.com', new Date(at.atMs)]);
    expect(verify!.sql).toContain('email = $2 AND email_verified_at IS NULL');
    const conflict = new BatchWriter('live');
    applyEffect(conflict, { kind: 'email_verified', username: 'ann', email: 'old@example.com' }, at);
    await expect(conflict.flush(recorder(() => 0))).rejects.toMatchObject({ code: 'conflict' });
  });
});

describe('the bank account effects', () => {
  const at = { atMs: Date.UTC(2026, 10, 30, 9) };
  const ACCOUNT = '6f1c1d2e-0b7a-4c55-9d1e-2f3a4b5c6d7e';
  const added = {
    kind: 'bank_account_added',
    username: 'ann',
    bankAccountId: ACCOUNT,
    routing: '021000021',
    accountType: 'checking',
    holderName: 'Ann Example',
    last4: '6789',
    sealed: Buffer.from('a sealed envelope').toString('base64'),
  } as const;
  const removed = { kind: 'bank_account_removed', username: 'ann', bankAccountId: ACCOUNT } as const;

  it('the server may declare them; their schemas hold no account number, and bound every field', () => {
    expect(checkDeclaredEffects([added, removed])).toHaveLength(2);
    expect(Object.keys(EFFECT_SCHEMAS.bank_account_added.properties)).not.toContain('accountNumber');
    expect(() => checkEffect({ ...added, accountNumber: '123456789' })).toThrow(EffectError);
    expect(() => checkEffect({ ...added, routing: '02100002' })).toThrow(EffectError);
    expect(() => checkEffect({ ...added, accountType: 'loan' })).toThrow(EffectError);
    expect(() => checkEffect({ ...added, last4: '12345' })).toThrow(EffectError);
    expect(() => checkEffect({ ...added, holderName: '' })).toThrow(EffectError);
    expect(() => checkEffect({ ...added, sealed: 'not base64!' })).toThrow(EffectError);
    expect(() => checkEffect({ ...removed, bankAccountId: 'x' })).toThrow(EffectError);
  });

  it('name the customer by user name; a removal stamps removed_at once, and a lost row is a conflict live', async () => {
    const w = new BatchWriter('live');
    applyEffect(w, added, at);
    applyEffect(w, removed, at);
    const db = recorder();
    await w.flush(db);
    const [insert, remove] = db.calls;
    expect(insert!.sql).toContain('FROM membership.customers WHERE username = $1');
    expect(insert!.sql).toContain('ON CONFLICT (bank_account_id) DO NOTHING');
    expect(insert!.params).toEqual(['ann', ACCOUNT, '021000021', 'checking', 'Ann Example', '6789', Buffer.from('a sealed envelope'), new Date(at.atMs)]);
    expect(remove!.sql).toContain('SET removed_at = $3');
    expect(remove!.sql).toContain('AND removed_at IS NULL');
    for (const e of [added, removed]) {
      const conflict = new BatchWriter('live');
      applyEffect(conflict, e, at);
      await expect(conflict.flush(recorder(() => 0))).rejects.toMatchObject({ code: 'conflict' });
      const replay = new BatchWriter('replay');
      applyEffect(replay, e, at);
      await replay.flush(recorder(() => 0));
    }
  });
});

describe('the API key effects', () => {
  const at = { atMs: Date.UTC(2026, 11, 1, 9) };
  const KEY = '3b2a1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
  const HASH = 'cd'.repeat(32);
  const created: LedgerEffect = { kind: 'api_key_created', meterId: METER, keyId: KEY, keyHashHex: HASH, scopes: ['balance', 'print'], expiresAt: null };
  const revoked: LedgerEffect = { kind: 'api_key_revoked', meterId: METER, keyId: KEY };

  it('only a module derives a creation, from the MAC-checked answer of an api_key command', () => {
    const result = { keyId: KEY, keyHash: HASH, scopes: 'balance,print', expiresAt: '' };
    const effects = effectsOf('command', { pkg: pkg('1') }, { package: pkg('2'), response: response('api_key', 'ok', result) });
    expect(effects.map((e) => e.kind)).toEqual(['package_stored', 'api_key_created']);
    expect(effects[1]).toEqual(created);
    for (const e of effects) expect(checkEffect(e)).toBe(e);
    const expiring = effectsOf(
      'command',
      { pkg: pkg('2') },
      { package: pkg('3'), response: response('api_key', 'ok', { ...result, expiresAt: '2027-01-01T00:00:00.000Z' }) },
    );
    expect(expiring[1]).toMatchObject({ expiresAt: '2027-01-01T00:00:00.000Z' });
    // A refused api_key command (too many keys, out of scope) creates nothing.
    const refused = effectsOf(
      'command',
      { pkg: pkg('3') },
      { package: pkg('4'), response: response('api_key', 'too_many_api_keys'), error: { code: 'too_many_api_keys' } },
    );
    expect(refused.map((e) => e.kind)).toEqual(['package_stored']);
    expect(() => checkDeclaredEffects([created])).toThrow(/may not declare/);
    expect(checkDeclaredEffects([revoked])).toEqual([revoked]);
  });

  it('their schemas hold a hash, never a key, and bound every field', () => {
    expect(Object.keys(EFFECT_SCHEMAS.api_key_created.properties).sort()).toEqual(['expiresAt', 'keyHashHex', 'keyId', 'kind', 'meterId', 'scopes']);
    expect(() => checkEffect({ ...created, keyHashHex: 'ab' })).toThrow(EffectError);
    expect(() => checkEffect({ ...created, scopes: [] })).toThrow(EffectError);
    expect(() => checkEffect({ ...created, scopes: ['manage'] })).toThrow(EffectError);
    expect(() => checkEffect({ ...created, scopes: ['print', 'print'] })).toThrow(EffectError);
    expect(() => checkEffect({ ...created, expiresAt: 'tomorrow' })).toThrow(EffectError);
    expect(() => checkEffect({ ...created, apiKey: 'vm_x' })).toThrow(EffectError);
    expect(() => checkEffect({ ...revoked, keyId: 'x' })).toThrow(EffectError);
  });

  it('store the hash as bytes at the record time; a revocation stamps revoked_at once, and a lost row is a conflict live', async () => {
    const w = new BatchWriter('live');
    applyEffect(w, { ...created, expiresAt: '2027-01-01T00:00:00.000Z' }, at);
    applyEffect(w, revoked, at);
    const db = recorder();
    await w.flush(db);
    const [insert, revoke] = db.calls;
    expect(insert!.sql).toContain('ON CONFLICT (key_id) DO NOTHING');
    expect(insert!.params).toEqual([KEY, METER, Buffer.from(HASH, 'hex'), ['balance', 'print'], new Date(at.atMs), new Date('2027-01-01T00:00:00.000Z')]);
    expect(revoke!.sql).toContain('SET revoked_at = $3');
    expect(revoke!.sql).toContain('AND revoked_at IS NULL');
    for (const e of [created, revoked]) {
      const conflict = new BatchWriter('live');
      applyEffect(conflict, e, at);
      await expect(conflict.flush(recorder(() => 0))).rejects.toMatchObject({ code: 'conflict' });
      const replay = new BatchWriter('replay');
      applyEffect(replay, e, at);
      await replay.flush(recorder(() => 0));
    }
  });
});

describe('card funding effects', () => {
  const at = { atMs: Date.UTC(2026, 11, 1, 9) };
  const PI = 'pi_3AbCdEf123';
  /** A card funding request's effect, as the module derives it (no bank account, no debit authorization). */
  const CARD_REQUESTED: LedgerEffect = {
    kind: 'funding_requested',
    meterId: METER,
    requestId: ITEM,
    amountMills: '25000',
    bankAccountId: null,
    debitAuthorization: '',
    method: 'card',
    paymentMethod: 'pm_card_visa',
  };

  it('a card fund_request derives funding_requested with its method and PaymentMethod, and no account', () => {
    const result = { meterId: METER, requestId: ITEM, method: 'card', paymentMethod: 'pm_card_visa', amountMills: '25000', settleAfter: '' };
    const effects = effectsOf('command', { pkg: pkg('1') }, { package: pkg('2'), response: response('fund_request', 'ok', result) });
    expect(effects[1]).toEqual(CARD_REQUESTED);
    for (const e of effects) expect(checkEffect(e)).toBe(e);
    // An ACH request keeps the shape it had before cards.
    const ach = effectsOf(
      'command',
      { pkg: pkg('2') },
      {
        package: pkg('3'),
        response: response('fund_request', 'ok', { requestId: ITEM, bankAccountId: METER, amountMills: '100', debitAuthorization: 'AAAA' }),
      },
    )[1];
    expect(Object.keys(ach!).sort()).toEqual(['amountMills', 'bankAccountId', 'debitAuthorization', 'kind', 'meterId', 'requestId']);
    expect(checkEffect(ach!)).toBe(ach);
  });

  it('a settlement, a cancellation and a dispute carry the PaymentIntent; the codes are R01.. or card_*', () => {
    const settled = effectsOf(
      'debit',
      { pkg: pkg('1'), requestId: ITEM, paymentIntentId: PI },
      { package: pkg('2'), outcome: 'settled', amountMills: '25000' },
    )[1];
    expect(settled).toEqual({ kind: 'funding_settled', meterId: METER, requestId: ITEM, amountMills: '25000', paymentIntentId: PI });
    const cancelled = effectsOf(
      'debit',
      { pkg: pkg('2'), requestId: ITEM, returnCode: 'card_declined', paymentIntentId: PI },
      { package: pkg('3'), outcome: 'cancelled', amountMills: '25000' },
    )[1];
    expect(cancelled).toMatchObject({ kind: 'funding_returned', outcome: 'cancelled', returnCode: 'card_declined', paymentIntentId: PI });
    for (const e of [settled!, cancelled!]) expect(checkEffect(e)).toBe(e);
    expect(() => checkEffect({ ...cancelled!, returnCode: 'declined' } as LedgerEffect)).toThrow(EffectError);
    expect(() => checkEffect({ ...settled!, paymentIntentId: 'ch_1' } as LedgerEffect)).toThrow(EffectError);
  });

  it('a card row is written with its method; a card settles from requested, and the PaymentIntent is kept', async () => {
    const w = new BatchWriter('live');
    applyEffect(w, CARD_REQUESTED, at);
    applyEffect(w, { kind: 'funding_settled', meterId: METER, requestId: ITEM, amountMills: '25000', paymentIntentId: PI }, at);
    const db = recorder();
    await w.flush(db);
    const [insert, settle] = db.calls;
    expect(insert!.params).toEqual([ITEM, METER, null, '25000', new Date(at.atMs), null, 'card', 'pm_card_visa']);
    expect(settle!.sql).toContain("status = 'requested' AND method = 'card'");
    expect(settle!.params).toEqual([ITEM, new Date(at.atMs), PI]);
  });
});
