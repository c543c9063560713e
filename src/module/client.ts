import { createConnection, type Socket } from 'node:net';
import { MODULE_CALL_TIMEOUT_MS, MODULE_MAX_PENDING_CALLS } from '../constants.js';
import { isErrorCode, VaultError } from '../errors.js';
import { encodeFrame, FrameDecoder } from './framing.js';
import type { ModuleOp, ModuleOps } from './messages.js';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** The API server's connection to one module process over its local socket. */
export class ModuleConnection {
  private socket: Socket | null = null;
  private connecting: Promise<Socket> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(readonly socketPath: string) {}

  get connected(): boolean {
    return this.socket !== null && !this.socket.destroyed;
  }

  async call<K extends ModuleOp>(op: K, args: ModuleOps[K][0]): Promise<ModuleOps[K][1]> {
    if (this.pending.size >= MODULE_MAX_PENDING_CALLS) throw new VaultError('module_unavailable', 'the module queue is full');
    const socket = await this.connect();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new VaultError('module_unavailable', `module call ${op} timed out`));
      }, MODULE_CALL_TIMEOUT_MS);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      socket.write(encodeFrame({ id, op, args }));
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private connect(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<Socket>((resolve, reject) => {
      const socket = createConnection(this.socketPath);
      const decoder = new FrameDecoder();
      socket.once('connect', () => {
        this.socket = socket;
        this.connecting = null;
        resolve(socket);
      });
      socket.on('data', (chunk) => {
        try {
          for (const frame of decoder.push(chunk)) this.settle(frame as Reply);
        } catch {
          socket.destroy();
        }
      });
      socket.on('error', (e) => {
        this.connecting = null;
        reject(new VaultError('module_unavailable', `cannot reach module at ${this.socketPath}: ${e.message}`));
      });
      socket.on('close', () => {
        if (this.socket === socket) this.socket = null;
        this.failAll('the module connection closed');
      });
    });
    return this.connecting;
  }

  private settle(reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    clearTimeout(p.timer);
    if (reply.ok) p.resolve(reply.result);
    else {
      const code = isErrorCode(reply.error?.code) ? reply.error.code : 'internal';
      p.reject(new VaultError(code, reply.error?.message, reply.error?.extra ?? {}));
    }
  }

  private failAll(message: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new VaultError('module_unavailable', message));
      this.pending.delete(id);
    }
  }
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string; extra?: Record<string, unknown> };
}

/** Any module can serve any meter: spread calls round-robin, skipping modules that do not answer. */
export class ModulePool {
  private cursor = 0;
  constructor(readonly modules: readonly ModuleConnection[]) {
    if (modules.length === 0) throw new Error('at least one module is needed');
  }

  async call<K extends ModuleOp>(op: K, args: ModuleOps[K][0]): Promise<ModuleOps[K][1]> {
    let lastError: unknown;
    for (let i = 0; i < this.modules.length; i++) {
      const m = this.modules[this.cursor++ % this.modules.length]!;
      try {
        return await m.call(op, args);
      } catch (e) {
        // Only an unreachable module is worth trying elsewhere; a refusal is the answer.
        if (!(e instanceof VaultError) || e.code !== 'module_unavailable') throw e;
        lastError = e;
      }
    }
    throw lastError;
  }

  close(): void {
    for (const m of this.modules) m.close();
  }
}
