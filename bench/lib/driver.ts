import { randomUUID } from 'node:crypto';
import { Profile } from '../../src/cli/index.js';
import type { ResponseWire } from '../../src/module/messages.js';
import { macRequest, verifyResponseMac } from '../../src/module/protocol-crypto.js';

/**
 * A lean benchmark client: the full client protocol (MAC over request, challenge and registers;
 * response MAC checked; registers and challenge adopted) over HTTP, with its state in memory instead
 * of an fsynced profile file, so the benchmark measures the server.
 */
export class LeanClient {
  private challenge: string;
  private ar: bigint;
  private dr: bigint;
  private readonly macKey: Buffer;

  constructor(
    private readonly url: string,
    readonly meterId: string,
    private readonly token: string,
    profile: Profile,
  ) {
    this.challenge = profile.state.challenge;
    this.ar = BigInt(profile.state.arMills);
    this.dr = BigInt(profile.state.drMills);
    this.macKey = Buffer.from(profile.state.macKey, 'base64');
  }

  get registers(): { ar: bigint; dr: bigint } {
    return { ar: this.ar, dr: this.dr };
  }

  async command(op: string, params: Record<string, string>): Promise<ResponseWire & Record<string, unknown>> {
    const challenge = Buffer.from(this.challenge, 'hex');
    const mac = macRequest(this.macKey, { op, meterId: this.meterId, challenge, arMills: this.ar, drMills: this.dr, params });
    const res = await fetch(`${this.url}/v1/meters/${this.meterId}/${op}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}`, 'idempotency-key': randomUUID() },
      body: JSON.stringify({ challenge: this.challenge, arMills: this.ar.toString(), drMills: this.dr.toString(), params, mac: mac.toString('hex') }),
    });
    const body = (await res.json()) as { response?: ResponseWire; responseMac?: string; code?: string };
    if (!body.response || !body.responseMac) throw new Error(`${op} failed: ${res.status} ${body.code}`);
    const w = body.response;
    const response = {
      ...w,
      requestMac: Buffer.from(w.requestMac, 'hex'),
      nextChallenge: Buffer.from(w.nextChallenge, 'hex'),
      arMills: BigInt(w.arMills),
      drMills: BigInt(w.drMills),
      controlTotalMills: BigInt(w.controlTotalMills),
    };
    if (!verifyResponseMac(this.macKey, response, Buffer.from(body.responseMac, 'hex')) || !response.requestMac.equals(mac)) {
      throw new Error('the response MAC does not verify');
    }
    this.challenge = w.nextChallenge;
    this.ar = response.arMills;
    this.dr = response.drMills;
    if (res.status !== 200) throw new Error(`${op} refused: ${w.status}`);
    return { ...w, ...(body as Record<string, unknown>) };
  }
}

export interface LoopResult {
  readonly ok: number;
  readonly failed: number;
  readonly latenciesMs: number[];
  readonly firstError: string | null;
}

/** Closed loop: each client sends its next command as soon as the last one is answered, until the deadline. */
export async function closedLoop(clients: LeanClient[], seconds: number, op: (c: LeanClient) => Promise<unknown>): Promise<LoopResult> {
  const deadline = performance.now() + seconds * 1000;
  const latenciesMs: number[] = [];
  let ok = 0;
  let failed = 0;
  let firstError: string | null = null;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await op(c);
          ok++;
          latenciesMs.push(performance.now() - t0);
        } catch (e) {
          failed++;
          firstError ??= (e as Error).message;
          if (failed > 1000) return;
        }
      }
    }),
  );
  return { ok, failed, latenciesMs, firstError };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
