import { describe, expect, it } from 'vitest';
import { VaultError } from '../../../src/errors.js';
import { databaseUnavailable, isConnectionError } from '../../../src/store/index.js';

const withCode = (message: string, code: string, syscall?: string) => Object.assign(new Error(message), { code, ...(syscall ? { syscall } : {}) });

describe('isConnectionError', () => {
  it('knows a lost, refused or unready database', () => {
    for (const e of [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED', 'connect'),
      withCode('read ECONNRESET', 'ECONNRESET', 'read'),
      withCode('connect ENOENT /home/pg/.s.PGSQL.5432', 'ENOENT', 'connect'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('connection failure', '08006'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
      new VaultError('database_unavailable', 'gone'),
    ])
      expect(isConnectionError(e), e.message).toBe(true);
  });

  it('leaves statement failures and other errors alone', () => {
    for (const e of [
      withCode('duplicate key value violates unique constraint', '23505'),
      withCode('canceling statement due to statement timeout', '57014'),
      withCode("ENOENT: no such file or directory, open '/x'", 'ENOENT', 'open'),
      new VaultError('conflict', 'clash'),
      new Error('something else'),
    ])
      expect(isConnectionError(e), e.message).toBe(false);
    expect(isConnectionError('Connection terminated')).toBe(false);
  });
});

describe('databaseUnavailable', () => {
  it('is a typed 503 that says whether the commit itself was lost', () => {
    const before = databaseUnavailable(new Error('Connection terminated unexpectedly'));
    expect(before.code).toBe('database_unavailable');
    expect(before.status).toBe(503);
    expect(before.message).toMatch(/nothing was changed/);
    expect(before.extra.committing).toBe(false);
    const during = databaseUnavailable(new Error('Connection terminated unexpectedly'), { committing: true });
    expect(during.message).toMatch(/same Idempotency-Key/);
    expect(during.extra.committing).toBe(true);
  });
});
