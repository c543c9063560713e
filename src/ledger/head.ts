import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { ModuleCrypto } from '../crypto/index.js';
import { canonicalBytes } from '../protocol/index.js';

// A signed chain head: a module's statement that its log `logId` holds exactly `seq` records ending
// in the record whose hash is `hash`. The module signs a head only for records it produced itself,
// when it produced them; a segment of the shipped log ends at a signed head.

const HEAD_DOMAIN = 'vaultmeter/txlog-head/v1';

export interface ChainHead {
  readonly logId: string;
  readonly seq: bigint;
  /** hex SHA-256 of the record numbered `seq` */
  readonly hash: string;
}

export interface SignedHead extends ChainHead {
  /** hex DER ECDSA P-256 / SHA-256 signature by the module identity key */
  readonly signature: string;
}

export function headMessage(h: ChainHead): Buffer {
  return canonicalBytes(HEAD_DOMAIN, { logId: h.logId, seq: h.seq.toString(), hash: h.hash });
}

/** A head signed with a key in hand (tools and tests); a module signs through its crypto port (signHeadAsModule). */
export function signHead(key: KeyObject, h: ChainHead): SignedHead {
  return { ...h, signature: sign('sha256', headMessage(h), key).toString('hex') };
}

export async function signHeadAsModule(crypto: Pick<ModuleCrypto, 'signAsModule'>, h: ChainHead): Promise<SignedHead> {
  return { ...h, signature: (await crypto.signAsModule('log-head', headMessage(h))).toString('hex') };
}

export function headSignatureValid(publicKey: KeyObject | string, h: SignedHead): boolean {
  if (!/^([0-9a-f]{2}){8,80}$/.test(h.signature)) return false;
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  try {
    return verify('sha256', headMessage(h), key, Buffer.from(h.signature, 'hex'));
  } catch {
    return false;
  }
}
