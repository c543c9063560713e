import { isAbsolute, resolve } from 'node:path';
import { DirectoryTarget } from './directory.js';
import { S3Target } from './s3.js';
import { checkShipKey, ShipTargetError, showText as show, type ShipTarget } from '../../platform/index.js';

const SPEC_FORMS = '"dir:/absolute/path", "/absolute/path" or "s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true"';
const S3_PARAMS = new Set(['endpoint', 'region', 'forcePathStyle', 'accessKeyId', 'secretAccessKey']);
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parse a target spec: "dir:/abs/path" or "/abs/path" is a directory; "s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true"
 * is an S3 bucket (or S3-compatible store). S3 credentials come from `env` (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, optional
 * AWS_SESSION_TOKEN) or, for tests, the query parameters accessKeyId and secretAccessKey. Nothing is contacted here.
 */
export function parseTarget(spec: string, env: NodeJS.ProcessEnv = process.env): ShipTarget {
  if (typeof spec !== 'string' || spec.trim() === '') throw new ShipTargetError(`ship target spec is empty; expected ${SPEC_FORMS}`);
  if (spec.includes('\0')) throw new ShipTargetError('ship target spec contains a NUL character');
  if (spec.startsWith('dir:') || spec.startsWith('/')) {
    const path = spec.startsWith('dir:') ? spec.slice('dir:'.length) : spec;
    if (path === '' || !isAbsolute(path)) throw new ShipTargetError(`ship target directory ${show(path)} must be an absolute path, as in "dir:/backup/log"`);
    return new DirectoryTarget(resolve(path));
  }
  if (spec.startsWith('s3://')) return parseS3(spec, env);
  throw new ShipTargetError(`ship target spec ${show(spec.replace(/\?.*$/s, '?…'))} is not understood; expected ${SPEC_FORMS}`);
}

/** An s3:// spec's `endpoint` parameter: just scheme://host[:port]. */
function parseS3Endpoint(endpointText: string): string {
  let e: URL;
  try {
    e = new URL(endpointText);
  } catch {
    throw new ShipTargetError(`ship target s3:// endpoint ${show(endpointText)} is not a valid URL`);
  }
  if (e.protocol !== 'http:' && e.protocol !== 'https:')
    throw new ShipTargetError(`ship target s3:// endpoint ${show(endpointText)} must be http:// or https://`);
  if (e.username || e.password || e.search || e.hash || (e.pathname !== '/' && e.pathname !== '')) {
    throw new ShipTargetError(`ship target s3:// endpoint ${show(endpointText)} must be just scheme://host[:port]`);
  }
  return e.origin;
}

function parseS3(spec: string, env: NodeJS.ProcessEnv): ShipTarget {
  // URL parsing would quietly resolve "." and ".." and decode "%2e", so refuse them in the raw text first.
  const rawPath = spec.slice('s3://'.length).split(/[?#]/, 1)[0]!;
  if (rawPath.includes('..') || rawPath.includes('%') || rawPath.includes('\\') || /\/\.(\/|$)/.test(rawPath)) {
    throw new ShipTargetError(`ship target s3:// bucket and prefix ${show(rawPath)} must not hold "..", ".", "%" or "\\" (path traversal is refused)`);
  }
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new ShipTargetError(`ship target spec ${show(spec.replace(/\?.*$/s, '?…'))} is not a valid s3:// URL`);
  }
  if (url.username || url.password)
    throw new ShipTargetError('ship target s3:// spec must not carry credentials before the bucket; use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  if (url.port) throw new ShipTargetError('ship target s3:// spec must not carry a port; give the store with ?endpoint=http://host:port');
  if (url.hash) throw new ShipTargetError('ship target s3:// spec must not have a "#" fragment');
  const bucket = url.hostname;
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new ShipTargetError(
      `ship target bucket ${show(bucket)} is not a valid S3 bucket name (3–63 of a-z, 0-9, "." and "-", starting and ending with a letter or digit)`,
    );
  }
  const prefix = url.pathname.replace(/^\/+/, '').replace(/\/+$/, '');
  if (prefix !== '') {
    try {
      checkShipKey(prefix);
    } catch (err) {
      throw new ShipTargetError(`ship target s3:// prefix is refused: ${(err as Error).message}`);
    }
  }

  const params = new Map<string, string>();
  for (const key of url.searchParams.keys()) {
    if (!S3_PARAMS.has(key)) throw new ShipTargetError(`ship target s3:// spec has unknown parameter ${show(key)}; known: ${[...S3_PARAMS].join(', ')}`);
    const values = url.searchParams.getAll(key);
    if (values.length !== 1) throw new ShipTargetError(`ship target s3:// parameter ${show(key)} is given more than once`);
    params.set(key, values[0]!);
  }

  const endpointText = params.get('endpoint');
  const endpoint = endpointText === undefined ? undefined : parseS3Endpoint(endpointText);

  const region = params.get('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  if (!/^[a-z0-9-]{1,64}$/.test(region)) throw new ShipTargetError(`ship target s3:// region ${show(region)} is not a valid region name`);

  const fps = params.get('forcePathStyle');
  if (fps !== undefined && fps !== 'true' && fps !== 'false')
    throw new ShipTargetError(`ship target s3:// forcePathStyle must be "true" or "false", not ${show(fps)}`);

  const qId = params.get('accessKeyId');
  const qSecret = params.get('secretAccessKey');
  if ((qId === undefined) !== (qSecret === undefined))
    throw new ShipTargetError('ship target s3:// spec must give both accessKeyId and secretAccessKey, or neither');
  let credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  if (qId !== undefined && qSecret !== undefined) {
    if (qId === '' || qSecret === '') throw new ShipTargetError('ship target s3:// accessKeyId and secretAccessKey must not be empty');
    credentials = { accessKeyId: qId, secretAccessKey: qSecret };
  } else if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
    if (env.AWS_SESSION_TOKEN) credentials.sessionToken = env.AWS_SESSION_TOKEN;
  } else {
    throw new ShipTargetError(`ship target s3://${bucket} has no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
  }

  return new S3Target({
    bucket,
    prefix,
    region,
    credentials,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(fps !== undefined ? { forcePathStyle: fps === 'true' } : {}),
  });
}
