import { Type } from '@sinclair/typebox';
import { MAX_USERNAME_LENGTH } from '../constants.js';

export const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$', description: '32 bytes, lowercase hex' });
export const Username = Type.String({ pattern: `^[A-Za-z0-9._@-]{1,${MAX_USERNAME_LENGTH}}$` });
export const MeterId = Type.String({ format: 'uuid', pattern: '^[0-9a-f-]{36}$' });
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
    result: Type.Record(Type.String(), Type.String()),
  },
  { description: "The module's answer; responseMac is an HMAC over it with the client MAC key" },
);

/** Every client meter command: parameters, the client's view of the registers, the challenge, all under the MAC. */
export const CommandBody = Type.Object(
  {
    challenge: Hex32,
    arMills: RegisterMills,
    drMills: RegisterMills,
    params: Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 4096 }), { maxProperties: 16 }),
    mac: Hex32,
  },
  { additionalProperties: false },
);

export const Session = Type.Object({ token: Type.String(), expiresAt: Type.String() });
