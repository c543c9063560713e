import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const UNIT = join(ROOT, 'deploy', 'systemd', 'vaultmeter.service');

/** The unit file as section → key → values (a key may repeat, as Environment= does). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq <= 0) throw new Error(`not a unit file line: ${line}`);
    const key = line.slice(0, eq).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return sections;
}

const unit = parseUnit(readFileSync(UNIT, 'utf8'));
const one = (section: string, key: string) => {
  const v = unit.get(section)?.get(key);
  if (!v || v.length !== 1) throw new Error(`[${section}] ${key}= must be set exactly once`);
  return v[0]!;
};

describe('the systemd unit (deploy/systemd/vaultmeter.service)', () => {
  it('runs the supervisor, and restarts it whenever it stops, with a crash-loop limit', () => {
    expect(one('Service', 'ExecStart')).toMatch(/^\/\S+\/node \/\S+\/bin\/vaultmeter\.js start$/);
    expect(one('Service', 'ExecStart')).toContain(one('Service', 'WorkingDirectory'));
    expect(one('Service', 'Restart')).toBe('always');
    expect(Number(one('Service', 'RestartSec'))).toBeLessThanOrEqual(5);
    // In [Unit]: systemd ignores the start limit in [Service].
    expect(Number(one('Unit', 'StartLimitBurst'))).toBeGreaterThan(1);
    expect(Number(one('Unit', 'StartLimitIntervalSec'))).toBeGreaterThan(0);
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('stops every child with the supervisor, and gives them time to stop cleanly', () => {
    expect(['mixed', 'control-group']).toContain(one('Service', 'KillMode'));
    expect(Number(one('Service', 'TimeoutStopSec'))).toBeGreaterThanOrEqual(10);
  });

  it('runs as its own user, with the home as the only writable path and secrets from a root-owned file', () => {
    expect(one('Service', 'User')).not.toBe('root');
    const env = unit.get('Service')!.get('Environment')!;
    const home = env.find((e) => e.startsWith('VAULTMETER_HOME='))?.slice('VAULTMETER_HOME='.length);
    expect(home).toMatch(/^\//);
    expect(one('Service', 'ReadWritePaths').split(/\s+/)).toContain(home);
    expect(one('Service', 'ProtectSystem')).toBe('strict');
    expect(one('Service', 'NoNewPrivileges')).toBe('yes');
    expect(one('Service', 'UMask')).toBe('0077');
    expect(env.some((e) => e.startsWith('VAULTMETER_PASSPHRASE'))).toBe(false); // never in the unit itself
    expect(one('Service', 'EnvironmentFile')).toMatch(/^\/etc\//);
  });

  it('is what the README tells operators to install', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('deploy/systemd/vaultmeter.service');
    expect(readme).toContain('systemctl enable --now vaultmeter');
  });

  it.runIf(existsSync('/usr/bin/systemd-analyze'))('passes systemd-analyze verify', () => {
    const r = spawnSync('/usr/bin/systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    expect(r.stderr.split('\n').filter((l) => l.includes('vaultmeter.service'))).toEqual([]);
    expect(r.status).toBe(0);
  });
});
