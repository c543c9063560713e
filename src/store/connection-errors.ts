import { VaultError } from '../errors.js';

/** Socket errors of a connection to PostgreSQL that is gone, refused or unreachable. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTCONN']);

/**
 * SQLSTATEs that mean the server went away or is not taking connections yet: class 08 (connection
 * exception), an administrator or crash shutdown, a server still starting, too many connections.
 */
const SERVER_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** Messages node-postgres gives a lost or unobtainable connection, which carry no code. */
const CLIENT_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
];

/**
 * Whether `e` says the database is unreachable (rather than that a statement failed). Such a
 * failure changed nothing that committed: the transaction it was in is gone with its connection.
 */
export function isConnectionError(e: unknown): boolean {
  if (e instanceof VaultError) return e.code === 'database_unavailable';
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || SERVER_STATES.has(code)) return true;
    // ENOENT only from connect(): the embedded server's Unix socket is gone while it restarts.
    if (SOCKET_CODES.has(code) || (code === 'ENOENT' && (e as { syscall?: unknown }).syscall === 'connect')) return true;
  }
  return CLIENT_MESSAGES.some((m) => e.message.startsWith(m));
}

/**
 * The typed refusal for a database that cannot be reached: a 503 with Retry-After. Lost while
 * committing, the outcome is unknown: a retry with the same Idempotency-Key gets the stored answer
 * if the commit landed, and a spent challenge refuses any other replay.
 */
export function databaseUnavailable(e: unknown, at: { committing?: boolean } = {}): VaultError {
  if (e instanceof VaultError) return e;
  const outcome = at.committing
    ? 'the connection was lost while committing; retry with the same Idempotency-Key to learn the outcome'
    : 'nothing was changed; retry shortly';
  return new VaultError('database_unavailable', `the database cannot be reached (${(e as Error).message}): ${outcome}`, { committing: at.committing === true });
}
