import { Command, type CommanderError } from 'commander';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AUDIT_PROGRESS_INTERVAL_MS, MAX_AUDIT_CERT_BYTES } from '../../constants.js';
import type { AnyErrorCode } from '../../errors.js';
import { parseTarget } from '../../txlog/index.js';
import type { ShipTarget } from '../../platform/index.js';
import { verifyShippedLog, type LogProblem, type LogVerification } from '../../ledger/index.js';

// `vaultmeter audit verify DIR`: the audit verifier over a shipped log, with public certificates only.
// Exit status: 0 the log is complete and untouched, 1 problems were found, 2 usage error or the
// log could not be read at all (so nothing is known about it).

interface AuditVerifyOpts {
  ca?: string;
  json?: boolean;
}

const EXIT_OK = 0;
const EXIT_PROBLEMS = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {
  constructor(
    readonly code: AnyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Commander's own usage errors (unknown option, missing argument) exit 2; help and version exit 0. */
function usageExit(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
}

export function auditCommand(program: Command): void {
  const audit = program
    .command('audit')
    .description('audit the shipped transaction log with public certificates only (no secret needed)')
    .exitOverride(usageExit);
  audit
    .command('verify')
    .description(
      'verify that a shipped log is complete and untouched: every segment, record, hash chain and signed head, and that each module certificate is issued by the CA',
    )
    .argument('<dir>', 'the ship target: a directory holding certs/ and logs/, or "s3://bucket/prefix?endpoint=…&region=…"')
    .option('--ca <file>', 'the installation CA certificate (PEM) you trust (default: certs/ca.pem in the target; compare the fingerprint printed)')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExit status: 0 complete and untouched, 1 problems found, 2 usage error or the target could not be read.')
    .action(async (dir: string, o: AuditVerifyOpts) => {
      const json = o.json === true;
      let result: LogVerification;
      try {
        const target = openTarget(dir);
        const caPem = o.ca !== undefined ? await readCaFile(o.ca) : await readCaFromTarget(target);
        const progress = json ? undefined : progressLine();
        try {
          result = await verifyShippedLog(target, { caPem, ...(progress ? { onProgress: progress.update } : {}) });
        } finally {
          progress?.end();
          (target as { close?: () => void }).close?.();
        }
      } catch (e) {
        const own = (e as { code?: unknown } | null)?.code;
        const code = typeof own === 'string' ? own : 'error';
        const message = e instanceof Error ? e.message : String(e);
        if (json) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
        process.stderr.write(`error: ${code}: ${message}\n`);
        process.exit(EXIT_USAGE);
      }
      if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(`${describe(result, o.ca ?? 'certs/ca.pem in the target')}\n`);
      process.exit(result.ok ? EXIT_OK : EXIT_PROBLEMS);
    });
}

function openTarget(spec: string): ShipTarget {
  // A plain path may be relative; the target parser wants it absolute.
  const text = spec.startsWith('s3://') || spec.startsWith('dir:') || spec.startsWith('/') ? spec : resolve(spec);
  try {
    return parseTarget(text);
  } catch (e) {
    throw new UsageError('bad_target', (e as Error).message);
  }
}

async function readCaFile(path: string): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new UsageError('ca_unreadable', `cannot read the CA certificate ${path}: ${(e as Error).message}`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size > MAX_AUDIT_CERT_BYTES)
      throw new UsageError('ca_invalid', `${path} is not a certificate file of at most ${MAX_AUDIT_CERT_BYTES} bytes`);
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

async function readCaFromTarget(target: ShipTarget): Promise<string> {
  const pem = await target.get('certs/ca.pem');
  if (pem === null) throw new UsageError('ca_missing', `${target.name} holds no certs/ca.pem; give the CA certificate you trust with --ca FILE`);
  if (pem.length > MAX_AUDIT_CERT_BYTES) throw new UsageError('ca_invalid', `certs/ca.pem is larger than ${MAX_AUDIT_CERT_BYTES} bytes`);
  return pem.toString('utf8');
}

/** A counter line on stderr, at most once per interval (and only on a terminal is it redrawn in place). */
function progressLine(): { update: (done: number, total: number) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  let last = Date.now();
  let shown = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < AUDIT_PROGRESS_INTERVAL_MS && done < total) return;
      if (!shown && done === total) return; // a short run needs no progress
      last = now;
      shown = true;
      process.stderr.write(`${tty ? '\r' : ''}checked ${done}/${total} segments${tty ? '' : '\n'}`);
    },
    end() {
      if (shown && tty) process.stderr.write('\n');
    },
  };
}

function where(p: LogProblem): string {
  return [p.key, p.line !== null ? `line ${p.line}` : null, p.seq !== null ? `seq ${p.seq}` : null].filter((x) => x !== null).join(', ');
}

function describe(r: LogVerification, caFrom: string): string {
  const out = [
    `CA: ${r.ca.subject}`,
    `  SHA-256 fingerprint ${r.ca.fingerprint256}`,
    `  (from ${caFrom}: compare it with the fingerprint you trust)`,
    `target: ${r.target}`,
  ];
  for (const l of r.logs) {
    const span = l.lastSeq !== null ? `records 1..${l.lastSeq}, head ${l.headHash}, ${l.firstAt} to ${l.lastAt}` : 'no record verified';
    if (l.ok) out.push(`log ${l.logId}: OK, ${l.segments} segments, ${span}`);
    else {
      const p = l.problems[0]!;
      out.push(
        `log ${l.logId}: PROBLEM ${p.code} at ${where(p)}`,
        `  ${p.message}`,
        `  verified before it: ${l.verifiedSegments} of ${l.segments} segments, ${span}`,
      );
    }
  }
  for (const p of r.problems.filter((x) => x.logId === null)) out.push(`PROBLEM ${p.code}: ${p.message}`);
  if (r.ignoredKeys.length > 0) out.push(`ignored (not segment files): ${r.ignoredKeys.join(', ')}`);
  const bad = r.logs.filter((l) => !l.ok).length;
  out.push(
    r.ok
      ? `OK: ${r.logs.length} logs, ${r.segments} segments, ${r.records} records: complete and untouched (a segment missing at the very end of a log cannot be seen here; compare lastSeq with the modules' checkpoints)`
      : `FAILED: ${bad === 0 ? 'no log found' : `${bad} of ${r.logs.length} logs have problems`}`,
  );
  return out.join('\n');
}
