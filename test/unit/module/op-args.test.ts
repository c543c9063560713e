import { describe, expect, it } from 'vitest';
import { MODULE_OPS, PACKAGE_OPS } from '../../../src/module/messages.js';
import { isModuleOp, validateArgs, validateBatchOp } from '../../../src/module/op-args.js';
import { codeOf } from '../helpers/package.js';

const ref = { meterId: 'm-1', version: '3', sealed: 'AAAA' };
const achHeader = Object.fromEntries(
  [
    'immediateDestination',
    'immediateOrigin',
    'destinationName',
    'originName',
    'companyName',
    'companyId',
    'entryDescription',
    'odfi',
    'effectiveDate',
    'fileIdModifier',
    'createdAt',
  ].map((f) => [f, 'x']),
);
const achEntry = Object.fromEntries(
  [
    'username',
    'meterId',
    'requestId',
    'debitAuthorization',
    'bankAccountId',
    'sealedBase64',
    'routing',
    'accountType',
    'holderName',
    'individualId',
    'amountMills',
    'traceNumber',
  ].map((f) => [f, 'x']),
);

describe('module op args at the process boundary', () => {
  it('knows every op, and only those', () => {
    for (const op of MODULE_OPS) expect(isModuleOp(op)).toBe(true);
    for (const op of ['nonsense', 'toString', '__proto__', 42, null]) expect(isModuleOp(op)).toBe(false);
  });

  it('every op has a shape: its empty-but-valid args pass or fail as invalid_request, never a crash', () => {
    for (const op of MODULE_OPS) {
      const code = codeOf(() => validateArgs(op, {}));
      expect([undefined, 'invalid_request'], op).toContain(code);
    }
  });

  it('accepts well-formed args and hands them back typed', () => {
    const args = { pkg: ref, amountMills: '100', checkpoint: null };
    expect(validateArgs('fund', args)).toBe(args);
    expect(validateArgs('info', undefined)).toEqual({});
    expect(validateArgs('recover', { checkpoint: null, log: { seq: '1', hash: 'ab' } })).toBeTruthy();
    expect(
      validateArgs('sealBankAccount', { username: 'ann', meterId: 'x', bankAccountId: 'x', routing: '081000032', accountNumber: '12345678' }),
    ).toBeTruthy();
    expect(validateArgs('buildAchFile', { header: achHeader, entries: [achEntry] })).toBeTruthy();
  });

  it('refuses args of the wrong shape as invalid_request', () => {
    const bad: [Parameters<typeof validateArgs>[0], unknown][] = [
      ['fund', 'a string'],
      ['fund', [ref]],
      ['fund', { pkg: ref }],
      ['fund', { pkg: ref, amountMills: 100 }],
      ['fund', { pkg: { ...ref, version: 3 }, amountMills: '100' }],
      ['audit', { pkg: null }],
      ['command', { pkg: ref, op: 'print', challenge: 'aa', arMills: '0', drMills: '0', params: {}, mac: 'bb', itemBytes: 7 }],
      ['log', { action: 5 }],
      ['recover', { checkpoint: null, log: { seq: 1 } }],
      ['openLog', { records: 'all' }],
      ['sealBackupChunk', { backupId: 'b-123456', index: '0', last: true, data: '' }],
      ['signBackup', { backupId: 'b', sha256: 'ab', createdAt: 'now', logPosition: null }],
      ['signBackup', { backupId: 'b', tables: ['postal.meters'], sha256: 'ab' }],
      ['signBackup', { backupId: 'b', tables: 'postal.meters' }],
      ['beginBackup', { backupId: 'b' }],
      ['sealBankAccount', { username: 'ann', meterId: 'x', bankAccountId: 'x', routing: '081000032' }],
      ['sealBankAccount', { username: 'ann', meterId: 'x', bankAccountId: 'x', routing: '081000032', accountNumber: 12345678 }],
      ['buildAchFile', { header: {}, entries: [] }],
      ['buildAchFile', { header: achHeader, entries: 'all' }],
      ['buildAchFile', { header: achHeader, entries: [{ ...achEntry, amountMills: 1000 }] }],
      ['buildAchFile', { header: { ...achHeader, createdAt: undefined }, entries: [achEntry] }],
    ];
    for (const [op, args] of bad)
      expect(
        codeOf(() => validateArgs(op, args)),
        `${op} ${JSON.stringify(args)}`,
      ).toBe('invalid_request');
  });

  it("a batch op must be a package op with that op's shape", () => {
    for (const op of PACKAGE_OPS) expect(['invalid_request', undefined]).toContain(codeOf(() => validateBatchOp({ op, args: {} })));
    expect(validateBatchOp({ op: 'audit', args: { pkg: ref } })).toEqual({ op: 'audit', args: { pkg: ref } });
    expect(codeOf(() => validateBatchOp({ op: 'info', args: {} }))).toBe('invalid_request');
    expect(codeOf(() => validateBatchOp({ op: 'batch', args: {} }))).toBe('invalid_request');
    expect(codeOf(() => validateBatchOp({ op: 'audit', args: { pkg: 'x' } }))).toBe('invalid_request');
  });
});
