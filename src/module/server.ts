import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { ERRORS, VaultError } from '../errors.js';
import { MeterEngine } from './engine.js';
import { GuardedModule } from './guard.js';
import { Ring } from './ring.js';
import { Journal } from './journal.js';
import { RateStore, ratesDirOf } from './rate-store.js';
import { OfficerRemovals, removalsFileOf } from './officer-removals.js';
import { encodeFrame, FrameDecoder } from './framing.js';
import type { Keystore } from './keystore.js';
import { isModuleOp, validateArgs } from './op-args.js';
import { SoftwareModuleCrypto } from './software-crypto.js';

export interface ModuleServerOptions {
  readonly keystore: Keystore;
  readonly socketPath: string;
  readonly ringPath: string;
  readonly ringSize: number;
  readonly refundWindowDays: number;
  readonly auditIntervalDays: number;
  readonly achHoldHours?: number;
  readonly log: (line: string) => void;
}

interface Frame {
  id: number;
  op: string;
  args: unknown;
}

/** The module's socket shell: decode a frame, run the engine, answer with the same id. */
export async function startModuleServer(opts: ModuleServerOptions): Promise<Server> {
  const now = () => Date.now();
  // The composition root of the module process: the only place that knows the keys are in software.
  const crypto = new SoftwareModuleCrypto(opts.keystore);
  const rates = await RateStore.load(ratesDirOf(opts.ringPath), crypto.caCertPem, opts.log);
  const removals = await OfficerRemovals.load(removalsFileOf(opts.ringPath), crypto.caCertPem, opts.log);
  const engine = new MeterEngine({
    rates: () => rates.book,
    ratedPostage: opts.keystore.domain.ratedPostage === true,
    crypto,
    now,
    random: (n) => crypto.random(n),
    refundWindowDays: opts.refundWindowDays,
    auditIntervalDays: opts.auditIntervalDays,
    ...(opts.achHoldHours === undefined ? {} : { achHoldHours: opts.achHoldHours }),
  });
  const ring = await Ring.load(opts.ringPath, crypto, crypto.serial, opts.ringSize, now());
  const journal = await Journal.load(`${opts.ringPath}.journal`, crypto.serial, { seq: ring.head.logSeq, hash: ring.head.logHead }, ring.isNew ? now() : null);
  const guarded = new GuardedModule(engine, ring, journal, crypto, now, opts.log, rates, removals);
  await rm(opts.socketPath, { force: true });
  const server = createServer((socket) => serveConnection(socket, guarded, opts.log));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.socketPath, () => resolve());
  });
  // Only the installation's own user may talk to the module.
  await chmod(opts.socketPath, 0o600);
  return server;
}

function serveConnection(socket: Socket, engine: GuardedModule, log: (line: string) => void): void {
  const decoder = new FrameDecoder();
  socket.on('data', (chunk) => {
    let frames: unknown[];
    try {
      frames = decoder.push(chunk);
    } catch (e) {
      log(`dropping connection: ${(e as Error).message}`);
      socket.destroy();
      return;
    }
    for (const frame of frames) void answer(socket, engine, frame as Frame, log);
  });
  socket.on('error', () => socket.destroy());
}

async function answer(socket: Socket, engine: GuardedModule, frame: Frame, log: (line: string) => void): Promise<void> {
  const id = typeof frame?.id === 'number' ? frame.id : -1;
  let reply: unknown;
  try {
    const op = frame.op;
    if (!isModuleOp(op)) throw new VaultError('invalid_request', `unknown module op ${op}`);
    reply = { id, ok: true, result: await engine.dispatch(op, validateArgs(op, frame.args)) };
  } catch (e) {
    if (e instanceof VaultError) {
      if (e.code === 'invariant_violation' || e.code === 'package_tampered' || e.code === 'key_version_unknown')
        log(`REFUSED ${frame.op}: ${e.code}: ${e.message}`);
      reply = { id, ok: false, error: { code: e.code, message: e.message, extra: e.extra } };
    } else {
      log(`internal error in ${frame.op}: ${(e as Error).stack ?? String(e)}`);
      reply = { id, ok: false, error: { code: 'internal', message: ERRORS.internal.title } };
    }
  }
  if (!socket.destroyed) socket.write(encodeFrame(reply));
}
