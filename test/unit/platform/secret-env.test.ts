import { describe, expect, it } from 'vitest';
import { isSecretEnvName, pickEnv, withoutSecrets, withSecretsHidden } from '../../../src/platform/index.js';

describe('secrets kept out of children', () => {
  it('knows the passphrase, passwords and credentials as secrets, and ordinary settings as not', () => {
    for (const n of [
      'VAULTMETER_PASSPHRASE',
      'VAULTMETER_OFFICER_PASSWORD',
      'VAULTMETER_PASSWORD',
      'DATABASE_URL',
      'PGPASSWORD',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_ACCESS_KEY_ID',
      'SMTP_URL',
    ])
      expect(isSecretEnvName(n), n).toBe(true);
    for (const n of ['PATH', 'HOME', 'VAULTMETER_HOME', 'VAULTMETER_SHIP_TARGETS', 'PORT', 'LANG', 'MAIL_FROM']) expect(isSecretEnvName(n), n).toBe(false);
  });

  it('copies an environment without its secrets, and picks named ones back', () => {
    const env = { PATH: '/bin', VAULTMETER_PASSPHRASE: 'p', AWS_SECRET_ACCESS_KEY: 's' };
    expect(withoutSecrets(env)).toEqual({ PATH: '/bin' });
    expect(pickEnv(env, ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])).toEqual({ AWS_SECRET_ACCESS_KEY: 's' });
  });

  it('hides the secrets of this process while it spawns, and restores them after, even on failure', async () => {
    process.env.VAULTMETER_PASSPHRASE = 'hidden for a while';
    try {
      const seen = await withSecretsHidden(async () => process.env.VAULTMETER_PASSPHRASE);
      expect(seen).toBeUndefined();
      expect(process.env.VAULTMETER_PASSPHRASE).toBe('hidden for a while');
      await expect(withSecretsHidden(async () => Promise.reject(new Error('spawn failed')))).rejects.toThrow('spawn failed');
      expect(process.env.VAULTMETER_PASSPHRASE).toBe('hidden for a while');
    } finally {
      delete process.env.VAULTMETER_PASSPHRASE;
    }
  });
});
