import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIENT_ERRORS, ERRORS, isAnyErrorCode } from '../../src/errors.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface DocRow {
  readonly code: string;
  readonly http: string;
  readonly title: string;
}

/** The table rows of docs/ERRORS.md: | `code` | status or client | title | when | what to do | */
function documented(): DocRow[] {
  const text = readFileSync(join(ROOT, 'docs', 'ERRORS.md'), 'utf8');
  const rows: DocRow[] = [];
  for (const line of text.split('\n')) {
    const m = /^\| `([^`]+)` \| ([^|]+) \| ((?:[^|\\]|\\.)+) \|/.exec(line);
    if (m) rows.push({ code: m[1]!, http: m[2]!.trim(), title: m[3]!.trim().replace(/\\\|/g, '|') });
  }
  return rows;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('the error catalogue and docs/ERRORS.md', () => {
  const rows = documented();
  const catalogue = [...Object.keys(ERRORS), ...Object.keys(CLIENT_ERRORS)];

  it('documents every catalogue code once, and nothing else', () => {
    const codes = rows.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.filter((c) => !catalogue.includes(c))).toEqual([]);
    expect(catalogue.filter((c) => !codes.includes(c))).toEqual([]);
  });

  it('gives each code its status (or "client") and its title as the catalogue has them', () => {
    for (const row of rows) {
      if (Object.hasOwn(ERRORS, row.code)) {
        const e = ERRORS[row.code as keyof typeof ERRORS];
        expect({ code: row.code, http: row.http, title: row.title }).toEqual({ code: row.code, http: String(e.status), title: e.title });
      } else {
        const e = CLIENT_ERRORS[row.code as keyof typeof CLIENT_ERRORS];
        expect({ code: row.code, http: row.http, title: row.title }).toEqual({ code: row.code, http: 'client', title: e.title });
      }
    }
  });

  it('keeps server and client codes apart, each in snake case', () => {
    expect(Object.keys(CLIENT_ERRORS).filter((c) => Object.hasOwn(ERRORS, c))).toEqual([]);
    for (const c of catalogue) expect(c).toMatch(/^[a-z][a-z0-9_]*$/);
  });

  it('raises only catalogue codes anywhere in src/', () => {
    // Every way src/ names a code as a literal: fail(), the error classes, and sendProblem().
    const raise = /(?<![.\w])(?:fail|new (?:VaultError|ApiError|ProfileError|UsageError|LogVerifyError)|sendProblem\(reply,)\s*\(?\s*'([^']+)'/g;
    const unknown: string[] = [];
    let seen = 0;
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(raise)) {
        seen++;
        if (!isAnyErrorCode(m[1])) unknown.push(`${file.slice(ROOT.length + 1)}: ${m[1]}`);
      }
    }
    expect(seen).toBeGreaterThan(100);
    expect(unknown).toEqual([]);
  });
});
