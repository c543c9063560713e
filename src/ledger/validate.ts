import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { MAX_DECLARED_EFFECTS } from '../constants.js';
import { EFFECT_SCHEMAS, SERVER_DECLARED, type EffectKind, type LedgerEffect } from './effects.js';

const checks = Object.fromEntries(Object.entries(EFFECT_SCHEMAS).map(([k, s]) => [k, TypeCompiler.Compile(s)])) as Record<EffectKind, TypeCheck<never>>;

export class EffectError extends Error {}

/** A value is a well-formed effect of a known kind, or this throws with why not. */
export function checkEffect(value: unknown): LedgerEffect {
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(checks, kind)) throw new EffectError(`unknown ledger effect kind ${JSON.stringify(kind)}`);
  const check = checks[kind as EffectKind];
  if (!check.Check(value)) {
    const first = check.Errors(value).First();
    throw new EffectError(`ledger effect ${kind}: ${first ? `${first.path || '/'} ${first.message}` : 'invalid'}`);
  }
  return value as LedgerEffect;
}

/** The effects an API server declares for a module op: bounded, well formed, of server-declared kinds only. */
export function checkDeclaredEffects(value: unknown): LedgerEffect[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_DECLARED_EFFECTS) throw new EffectError(`declared effects are a list of at most ${MAX_DECLARED_EFFECTS}`);
  return value.map((v) => {
    const e = checkEffect(v);
    if (!SERVER_DECLARED.has(e.kind)) throw new EffectError(`the server may not declare a ${e.kind} effect`);
    return e;
  });
}
