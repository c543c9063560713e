// Off-site ship targets for the transaction log: a directory or an S3(-compatible) bucket.

export { DirectoryTarget, type DirectoryTargetOptions } from './directory.js';
export { S3Target, type S3Credentials, type S3TargetOptions } from './s3.js';
export { parseTarget } from './target.js';
export { checkShipKey, checkShipPrefix, ShipTargetError, type ShipTarget } from '../../platform/index.js';
