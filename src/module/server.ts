import { randomBytes } from 'node:crypto';
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { ERRORS, VaultError } from '../errors.js';
import { MeterEngine } from './engine.js';
import { encodeFrame, FrameDecoder } from './framing.js';
import type { Keystore } from './keystore.js';
import { MODULE_OPS, type ModuleOp } from './messages.js';

export interface ModuleServerOptions {
  readonly keystore: Keystore;
  readonly socketPath: string;
  readonly refundWindowDays: number;
  readonly log: (line: string) => void;
}

interface Frame {
  id: number;
  op: string;
  args: unknown;
}

/** The module's socket shell: decode a frame, run the engine, answer with the same id. */
export async function startModuleServer(opts: ModuleServerOptions): Promise<Server> {
  const engine = new MeterEngine({
    keystore: opts.keystore,
    now: () => Date.now(),
    random: (n) => randomBytes(n),
    refundWindowDays: opts.refundWindowDays,
  });
  await rm(opts.socketPath, { force: true });
  const server = createServer((socket) => serveConnection(socket, engine, opts.log));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.socketPath, () => resolve());
  });
  // Only the installation's own user may talk to the module.
  await chmod(opts.socketPath, 0o600);
  return server;
}

function serveConnection(socket: Socket, engine: MeterEngine, log: (line: string) => void): void {
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

async function answer(socket: Socket, engine: MeterEngine, frame: Frame, log: (line: string) => void): Promise<void> {
  const id = typeof frame?.id === 'number' ? frame.id : -1;
  let reply: unknown;
  try {
    if (!(MODULE_OPS as readonly string[]).includes(frame.op)) throw new VaultError('invalid_request', `unknown module op ${frame.op}`);
    const op = frame.op as ModuleOp;
    const args = (frame.args ?? {}) as never;
    reply = { id, ok: true, result: await (engine[op] as (a: never) => unknown).call(engine, args) };
  } catch (e) {
    if (e instanceof VaultError) {
      if (e.code === 'invariant_violation' || e.code === 'package_tampered') log(`REFUSED ${frame.op}: ${e.code}: ${e.message}`);
      reply = { id, ok: false, error: { code: e.code, message: e.message, extra: e.extra } };
    } else {
      log(`internal error in ${frame.op}: ${(e as Error).stack ?? String(e)}`);
      reply = { id, ok: false, error: { code: 'internal', message: ERRORS.internal.title } };
    }
  }
  if (!socket.destroyed) socket.write(encodeFrame(reply));
}

