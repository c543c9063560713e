import { createConnection, type Socket } from 'node:net';
import { MODULE_CALL_TIMEOUT_MS, MODULE_MAX_PENDING_CALLS } from '../constants.js';
import { isErrorCode, VaultError } from '../errors.js';
import { encodeFrame, FrameDecoder } from './framing.js';
import type { BuildAchFileArgs, BuildAchFileResult, ModuleOp, ModuleOps, SealBankAccountArgs, SealBankAccountResult } from './messages.js';

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

  /** Seal a customer's bank account number: the answer is the sealed blob and the last four, never the number. */
  sealBankAccount(args: SealBankAccountArgs): Promise<SealBankAccountResult> {
    return this.call('sealBankAccount', args);
  }

  /**
   * The day's PPD debit file, built, validated and signed by the module, which opens each entry's
   * sealed account number itself (`bank_account_tampered` when one does not open for its account,
   * `ach_file_invalid` when the input or the file fails). At most MAX_ACH_FILE_ENTRIES entries a call.
   */
  buildAchFile(args: BuildAchFileArgs): Promise<BuildAchFileResult> {
    return this.call('buildAchFile', args);
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

/** A stable small number for a key (FNV-1a over its UTF-16 units). */
function affinityOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string; extra?: Record<string, unknown> };
}

/**
 * Any module can serve any meter. `pick` sends a meter's commands to one module (by a hash of its
 * id) and spreads keyless work round-robin, over the modules that answer and are not known to be
 * inhibited; when that module fails, the next one takes over. The server learns each module's
 * serial from its `info`.
 */
export class ModulePool {
  private cursor = 0;
  private readonly inhibited = new Set<string>();
  private readonly serials = new Map<ModuleConnection, string>();

  constructor(readonly modules: readonly ModuleConnection[]) {
    if (modules.length === 0) throw new Error('at least one module is needed');
  }

  /** Ask every module who it is; returns their status (checkpoint head, inhibition). */
  async identify(): Promise<ModuleOps['info'][1][]> {
    const infos = await Promise.all(this.modules.map((m) => m.call('info', {})));
    infos.forEach((info, i) => {
      this.serials.set(this.modules[i]!, info.serial);
      if (info.inhibited) this.inhibited.add(info.serial);
    });
    return infos;
  }

  serialOf(m: ModuleConnection): string {
    const serial = this.serials.get(m);
    if (!serial) throw new Error('module not identified');
    return serial;
  }

  setInhibited(serial: string, inhibited: boolean): void {
    if (inhibited) this.inhibited.add(serial);
    else this.inhibited.delete(serial);
  }

  isInhibited(serial: string): boolean {
    return this.inhibited.has(serial);
  }

  byserial(serial: string): ModuleConnection {
    for (const [m, s] of this.serials) if (s === serial) return m;
    throw new VaultError('not_found', `no module ${serial} is connected to this server`);
  }

  /** The next module in service, skipping `avoid` (modules that just failed) when another one is left. */
  pick(avoid: ReadonlySet<ModuleConnection> = new Set(), key: string | null = null): ModuleConnection {
    const n = this.modules.length;
    let fallback: ModuleConnection | null = null;
    // A meter goes to the same module while it is in service: that module's journal then knows the
    // meter's latest package, and refuses an older one put back in the database.
    const start = key === null ? this.cursor++ : affinityOf(key);
    for (let i = 0; i < n; i++) {
      const m = this.modules[(start + i) % n]!;
      if (this.inhibited.has(this.serialOf(m))) continue;
      if (!avoid.has(m)) return m;
      fallback ??= m;
    }
    if (fallback) return fallback;
    throw new VaultError('module_unavailable', 'every module is inhibited or unreachable');
  }

  /** A connected module, inhibited or not: for ops that leave the ring alone (certifying an officer during recovery). */
  anyConnected(): ModuleConnection {
    const m = this.modules.find((c) => c.connected);
    if (!m) throw new VaultError('module_unavailable', 'no module is reachable');
    return m;
  }

  close(): void {
    for (const m of this.modules) m.close();
  }
}
