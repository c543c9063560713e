/**
 * Everything cryptographic the client side of the protocol needs, async so that WebCrypto
 * (browsers, Node's globalThis.crypto) can implement it. The default is webClientCrypto().
 * Byte layouts are those of the module side (src/module/protocol-crypto.ts).
 */
export interface ClientCrypto {
  randomBytes(length: number): Promise<Uint8Array>;
  sha256(data: Uint8Array): Promise<Uint8Array>;
  hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>;
  /** AES-256-GCM in the module's sealed-box layout: iv (12) | tag (16) | ciphertext. */
  aesGcmSeal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, iv: Uint8Array): Promise<Uint8Array>;
  /** Open a box of that layout; null when it does not authenticate. */
  aesGcmOpen(key: Uint8Array, box: Uint8Array, aad: Uint8Array): Promise<Uint8Array | null>;
  /** A fresh ephemeral P-256 key: its uncompressed SEC1 point, and ECDH with a peer's point (the x coordinate). */
  ecdhP256(): Promise<EcdhKey>;
  /** Does `pem` parse as an X.509 certificate? */
  isCertificate(pem: string): Promise<boolean>;
  /** Is `certPem` issued and signed by the CA `caPem`, both valid at `now`? */
  certificateChainsTo(certPem: string, caPem: string, now: Date): Promise<boolean>;
  /** Does the ECDSA P-256 key in `certPem` sign `data` (SHA-256) with this DER signature? */
  verifySignedBy(certPem: string, data: Uint8Array, signatureDer: Uint8Array): Promise<boolean>;
}

export interface EcdhKey {
  readonly publicKey: Uint8Array;
  sharedSecret(peerPublicKey: Uint8Array): Promise<Uint8Array>;
}
