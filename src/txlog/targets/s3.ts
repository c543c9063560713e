// A ship target in an S3 bucket, or any S3-compatible store (give `endpoint` and usually `forcePathStyle`).
// S3 writes are atomic and durable once PutObject answers; Content-MD5 makes the store refuse a corrupted upload.

import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  MAX_SHIP_LIST_KEYS,
  MAX_SHIP_OBJECT_BYTES,
  SHIP_S3_CONNECT_TIMEOUT_MS,
  SHIP_S3_LIST_PAGE_KEYS,
  SHIP_S3_MAX_ATTEMPTS,
  SHIP_S3_REQUEST_TIMEOUT_MS,
} from '../../constants.js';
import { checkShipBytes, checkShipKey, checkShipPrefix, ShipTargetError, sortKeys, type ShipTarget } from '../../platform/index.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3TargetOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing "/" ("" for the bucket root). */
  prefix?: string;
  region: string;
  credentials: S3Credentials;
  /** An S3-compatible store, as scheme://host[:port]; absent means AWS S3 itself. */
  endpoint?: string;
  /** Address buckets as endpoint/bucket rather than bucket.endpoint (needed by most local stores). */
  forcePathStyle?: boolean;
  /** Keys asked for per ListObjectsV2 page (default SHIP_S3_LIST_PAGE_KEYS). */
  listPageKeys?: number;
  /** Most keys one list returns before it fails (default MAX_SHIP_LIST_KEYS). */
  maxListKeys?: number;
  /** Largest object stored or read (default MAX_SHIP_OBJECT_BYTES). */
  maxObjectBytes?: number;
  /** Attempts per request, first included (default SHIP_S3_MAX_ATTEMPTS). */
  maxAttempts?: number;
}

interface AwsError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export class S3Target implements ShipTarget {
  readonly name: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly listPageKeys: number;
  private readonly maxListKeys: number;
  private readonly maxObjectBytes: number;

  constructor(options: S3TargetOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    if (this.prefix !== '') checkShipKey(this.prefix);
    this.name = `s3://${this.bucket}${this.prefix === '' ? '' : `/${this.prefix}`}`;
    this.listPageKeys = options.listPageKeys ?? SHIP_S3_LIST_PAGE_KEYS;
    this.maxListKeys = options.maxListKeys ?? MAX_SHIP_LIST_KEYS;
    this.maxObjectBytes = options.maxObjectBytes ?? MAX_SHIP_OBJECT_BYTES;
    if (!Number.isInteger(this.listPageKeys) || this.listPageKeys < 1 || this.listPageKeys > 1000) {
      throw new ShipTargetError(`${this.name}: listPageKeys must be an integer from 1 to 1000`);
    }
    // Every setting is explicit, so nothing is looked up from instance metadata, profiles or the environment.
    this.client = new S3Client({
      region: options.region,
      credentials: { ...options.credentials },
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      maxAttempts: options.maxAttempts ?? SHIP_S3_MAX_ATTEMPTS,
      retryMode: 'standard',
      requestHandler: { connectionTimeout: SHIP_S3_CONNECT_TIMEOUT_MS, requestTimeout: SHIP_S3_REQUEST_TIMEOUT_MS },
    });
  }

  private objectKey(key: string): string {
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  private fail(action: string, key: string, err: unknown): ShipTargetError {
    const e = err as AwsError;
    const status = e?.$metadata?.httpStatusCode;
    return new ShipTargetError(
      `${this.name}: ${action} ${JSON.stringify(key)} failed: ${e?.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e?.message ?? String(err)}`,
      { cause: err },
    );
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    checkShipKey(key);
    checkShipBytes(key, bytes, this.maxObjectBytes);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Body: bytes,
          ContentLength: bytes.length,
          ContentMD5: createHash('md5').update(bytes).digest('base64'),
          ContentType: 'application/octet-stream',
        }),
      );
    } catch (err) {
      throw this.fail('put', key, err);
    }
  }

  async delete(key: string): Promise<void> {
    checkShipKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (err) {
      throw this.fail('delete', key, err);
    }
  }

  async get(key: string): Promise<Buffer | null> {
    checkShipKey(key);
    let res;
    try {
      res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (err) {
      const e = err as AwsError;
      // A missing key is absence; a missing bucket (also 404) is a broken target.
      if (e?.name === 'NoSuchKey' || (e?.$metadata?.httpStatusCode === 404 && e?.name === 'NotFound')) return null;
      throw this.fail('get', key, err);
    }
    const body = res.Body;
    if (body === undefined) throw new ShipTargetError(`${this.name}: get ${JSON.stringify(key)} returned no body`);
    if (res.ContentLength !== undefined && res.ContentLength > this.maxObjectBytes) {
      await body
        .transformToWebStream()
        .cancel()
        .catch(() => undefined);
      throw new ShipTargetError(`${this.name}: ${JSON.stringify(key)} is ${res.ContentLength} bytes, more than the limit of ${this.maxObjectBytes}`);
    }
    let bytes: Uint8Array;
    try {
      bytes = await body.transformToByteArray();
    } catch (err) {
      throw this.fail('get', key, err);
    }
    if (bytes.length > this.maxObjectBytes)
      throw new ShipTargetError(`${this.name}: ${JSON.stringify(key)} is more than the limit of ${this.maxObjectBytes} bytes`);
    if (res.ContentLength !== undefined && bytes.length !== res.ContentLength) {
      throw new ShipTargetError(`${this.name}: get ${JSON.stringify(key)} returned ${bytes.length} bytes, not the announced ${res.ContentLength}`);
    }
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async list(prefix: string): Promise<string[]> {
    checkShipPrefix(prefix);
    const strip = this.prefix === '' ? '' : `${this.prefix}/`;
    const keys: string[] = [];
    let token: string | undefined;
    // Pages are bounded as well as keys, so a store that keeps answering "truncated" cannot loop us forever.
    for (let page = 0; page <= this.maxListKeys + 1; page++) {
      let res;
      try {
        res = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: strip + prefix,
            MaxKeys: this.listPageKeys,
            ...(token !== undefined ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (err) {
        throw this.fail('list', prefix, err);
      }
      for (const object of res.Contents ?? []) {
        const full = object.Key;
        if (full === undefined || !full.startsWith(strip + prefix)) continue;
        const key = full.slice(strip.length);
        try {
          checkShipKey(key);
        } catch {
          continue; // not a key this target wrote
        }
        keys.push(key);
        if (keys.length > this.maxListKeys) {
          throw new ShipTargetError(`${this.name}: more than ${this.maxListKeys} keys under ${JSON.stringify(prefix)}; list a narrower prefix`);
        }
      }
      if (!res.IsTruncated) return sortKeys(keys);
      const next = res.NextContinuationToken;
      if (next === undefined || next === '' || next === token) {
        throw new ShipTargetError(`${this.name}: list ${JSON.stringify(prefix)} got a truncated page without a new continuation token`);
      }
      token = next;
    }
    throw new ShipTargetError(`${this.name}: list ${JSON.stringify(prefix)} did not end within ${this.maxListKeys + 1} pages`);
  }

  /** Release the HTTP connections. The target must not be used afterwards. */
  close(): void {
    this.client.destroy();
  }
}
