// Secrets that may sit in an operator's environment (the keystore passphrase, passwords, database
// and cloud credentials). A process inherits its parent's environment, and anyone who can run a
// program as that process reads it: a PostgreSQL superuser does so with `COPY … FROM PROGRAM 'env'`.
// So no child gets them by inheritance; a child that needs one gets it named explicitly.

// SMTP_URL: smtp://user:password@host — a URL with a password in it.
const SECRET_NAMES: ReadonlySet<string> = new Set(['DATABASE_URL', 'PGPASSWORD', 'PGPASSFILE', 'AWS_ACCESS_KEY_ID', 'SMTP_URL']);
const SECRET_PATTERN = /PASSPHRASE|PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE_?KEY/i;

export function isSecretEnvName(name: string): boolean {
  return SECRET_NAMES.has(name) || SECRET_PATTERN.test(name);
}

/** A copy of `env` without any secret. */
export function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !isSecretEnvName(name)));
}

/** The secrets of `env` among `names`, for a child that needs them. */
export function pickEnv(env: NodeJS.ProcessEnv, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((n) => (env[n] === undefined ? [] : [[n, env[n]!]])));
}

/**
 * Run `spawnSome` with the secrets taken out of this process's environment, and put them back
 * after: for libraries that spawn with a copy of `process.env` and take no environment of their own.
 * Nothing else may read those variables meanwhile, so call it only where nothing runs beside it.
 */
export async function withSecretsHidden<T>(spawnSome: () => Promise<T>): Promise<T> {
  const hidden = Object.entries(process.env).filter(([name]) => isSecretEnvName(name));
  for (const [name] of hidden) delete process.env[name];
  try {
    return await spawnSome();
  } finally {
    for (const [name, value] of hidden) if (process.env[name] === undefined) process.env[name] = value;
  }
}
