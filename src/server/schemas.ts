import { LabelAddress } from '../address/index.js';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MAX_CARE_REASON_LENGTH, MAX_IDEMPOTENCY_KEY_LENGTH, MAX_MEMBER_NAME_LENGTH, MAX_OFFICER_CERT_PEM_BYTES, MAX_USERNAME_LENGTH } from '../constants.js';

/** OpenAPI 3.0 spells "or null" as `nullable`; fast-json-stringify honours it too. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });

/** A JSON object passed through as it is (every member kept, none typed here). */
export const Opaque = (description: string) => Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true, description });

/** String values under any names (OpenAPI 3.0 has no patternProperties, so no Type.Record). */
export const StringMap = (description?: string) =>
  Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string' }, ...(description ? { description } : {}) });

/** The Idempotency-Key request header of a state-changing POST (checked again by runIdempotent); other headers pass. */
export const IdempotencyKeyHeader = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      pattern: `^[A-Za-z0-9._:-]{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}$`,
      description: 'A key of your choosing (a UUID): a retry with the same key and body gets the first answer back and changes nothing more',
    }),
  ),
});

export const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$', description: '32 bytes, lowercase hex' });
export const USERNAME_PATTERN = `^[A-Za-z0-9._@-]{1,${MAX_USERNAME_LENGTH}}$`;
export const Username = Type.String({ pattern: USERNAME_PATTERN });
/** A customer login name as sent: checked by the route, so that a malformed one is refused like an unknown one (401). */
export const LoginName = Type.String({ maxLength: 4 * MAX_USERNAME_LENGTH });
/** An officer's reason for an act (care, a license's status): printable ASCII, recorded as given. */
export const ReasonText = Type.String({ minLength: 1, maxLength: MAX_CARE_REASON_LENGTH, pattern: '^[\\x20-\\x7e]*$' });
/** A customer's user name, or a member's login name `owner+member` (issue 14 item 1). */
export const ACCOUNT_LOGIN_PATTERN = `^[A-Za-z0-9._@-]{1,${MAX_USERNAME_LENGTH}}(\\+[A-Za-z0-9._@-]{1,${MAX_MEMBER_NAME_LENGTH}})?$`;
export const AccountLogin = Type.String({ pattern: ACCOUNT_LOGIN_PATTERN });
export const MeterId = Type.String({ format: 'uuid', pattern: '^[0-9a-f-]{36}$' });
/** An item id: the first 128 bits of SHA-256 over the signed item, in lowercase hex. */
export const ItemId = Type.String({ pattern: '^[0-9a-f]{32}$', description: '32 lowercase hex digits' });
export const RegisterMills = Type.String({ pattern: '^\\d{1,18}$', description: 'integer mills' });
export const AmountMills = Type.String({ pattern: '^-?\\d{1,20}$', description: 'integer mills (1/1000 USD), as a string' });
export const Base64 = Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$', maxLength: 16384 });

export const ModuleResponse = Type.Object(
  {
    op: Type.String(),
    meterId: Type.String(),
    requestMac: Type.String(),
    status: Type.String(),
    arMills: Type.String(),
    drMills: Type.String(),
    controlTotalMills: Type.String(),
    nextChallenge: Type.String(),
    result: StringMap(),
  },
  // Permissive: the client checks an HMAC over these members, so none may be dropped on the way.
  { additionalProperties: true, description: "The module's answer; responseMac is an HMAC over it with the client MAC key" },
);

/** Every client meter command: parameters, the client's view of the registers, the challenge, all under the MAC. */
export const CommandBody = Type.Object(
  {
    challenge: Hex32,
    arMills: RegisterMills,
    drMills: RegisterMills,
    params: Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 4096 }), { maxProperties: 16 }),
    mac: Hex32,
    /** print only: the destination address for the label, checked (VAULTMETER_ADDRESS_CHECK) before the module signs. */
    shipTo: Type.Optional(LabelAddress),
    /** member_invite only: the invitation code, for the server to mail to params.email (its SHA-256 must be params.codeHash). */
    inviteCode: Type.Optional(Type.String({ minLength: 16, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: false },
);

export const Session = Type.Object({ token: Type.String(), expiresAt: Type.String() });

/** RFC 9457 problem JSON: every 4xx and 5xx answer. Extra members (e.g. a refused command's MAC'd answer) pass through. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'https://vaultmeter.dev/problems/<code>' }),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'A stable code from docs/ERRORS.md' }),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
  },
  { $id: 'Problem', additionalProperties: true, description: 'A problem document (RFC 9457) with a stable code' },
);

/** The answers of a route: `ok` for 200, the shared Problem for every 4xx and 5xx. */
export function answers<T extends TSchema>(ok: T) {
  const problem = { description: 'A problem document', content: { 'application/problem+json': { schema: Type.Ref(Problem.$id!) } } };
  return { 200: ok, '4xx': problem, '5xx': problem };
}

/** The answers of a route that creates: `ok` for 201, the shared Problem for every 4xx and 5xx. */
export function created<T extends TSchema>(ok: T) {
  const { 200: body, ...problems } = answers(ok);
  return { 201: body, ...problems };
}

export const OfficerSignature = Type.Object(
  { certificatePem: Type.String({ maxLength: MAX_OFFICER_CERT_PEM_BYTES }), signature: Base64 },
  { additionalProperties: false, description: "An officer's certificate and signature over a statement (IEEE P1363, base64)" },
);

/** An officer's signed statement for one privileged act; the module checks it (protocol/officer-statement.ts). */
export const OfficerAuthorization = Type.Object(
  {
    statement: Type.Object(
      {
        act: Type.String({ maxLength: 40 }),
        params: StringMap('what the act is about, e.g. meterId and amountMills'),
        nonce: Type.String({ pattern: '^[0-9a-f]{32}$' }),
        timeMs: Type.Integer({ minimum: 0 }),
      },
      { additionalProperties: false },
    ),
    signatures: Type.Array(OfficerSignature, { minItems: 1, maxItems: 2 }),
  },
  { additionalProperties: false, description: "The officer's statement of exactly this act, signed with the officer's certified key" },
);
