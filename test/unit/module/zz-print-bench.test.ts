import { it } from 'vitest';
import { registeredMeter, T0 } from '../helpers/engine.js';
import { GuardHarness, printParams } from '../helpers/guard.js';

const N = Number(process.env.BENCH_N ?? 1500);

it('print ops/s', async () => {
  const h = await GuardHarness.create(5);
  const c = await registeredMeter(h.engine, T0);
  const d = await registeredMeter(h.engine, T0);
  await c.fund(10_000_000n);
  await d.fund(10_000_000n);
  for (let i = 0; i < 50; i++) { c.accept(await h.call('command', c.build('print', printParams(1n)))); await d.print(1n); }
  let t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) c.accept(await h.call('command', c.build('print', printParams(1n))));
  const guardMs = Number(process.hrtime.bigint() - t) / 1e6;
  t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await d.print(1n);
  const engineMs = Number(process.hrtime.bigint() - t) / 1e6;
  console.log(`BENCH guard print: ${(N / (guardMs / 1000)).toFixed(0)} ops/s; engine-only print: ${(N / (engineMs / 1000)).toFixed(0)} ops/s (N=${N})`);
  await h.cleanup();
}, 600_000);
