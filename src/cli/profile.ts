import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PROFILE_SCRYPT } from '../constants.js';
import { open, scryptKey, seal } from '../crypto/index.js';
import { writeFileAtomic } from '../platform/index.js';
import { ProfileError, type ClientProfile, type ProfilePublic, type ProfileState, type ProfileStore } from '../sdk/index.js';

// A client profile holds the client MAC key and the client's record of the registers, sealed under a
// data key; the data key is wrapped under scrypt(password). A session file (mode 0600) keeps the data
// key and the server session token until the session expires, so commands need no password meanwhile.

/** A printer profile that a test print proved: its stock, output format and symbology. */
export interface PrinterProfile {
  readonly stock: string;
  readonly format: string;
  readonly symbology: string;
  readonly testedAt: string;
  readonly barcodeDecoded: boolean;
}

interface ProfileFile extends ProfilePublic {
  format: 'vaultmeter-profile/1';
  /** Changes when the site moves (`client login --server`). */
  server: string;
  printers?: PrinterProfile[];
  kdf: { N: number; r: number; p: number; salt: string };
  wrappedKey: string;
  /** The data key wrapped a second time, under scrypt(recovery code): opens the profile when the password is forgotten. */
  recovery?: { kdf: { N: number; r: number; p: number; salt: string }; wrappedKey: string };
  sealedState: string;
}

export interface SessionFile {
  readonly token: string;
  readonly expiresAt: string;
  readonly dataKey: string;
}

export function clientHome(): string {
  return process.env.VAULTMETER_CLIENT_HOME ?? join(homedir(), '.config', 'vaultmeter');
}

const profilePath = (user: string) => join(clientHome(), 'profiles', `${encodeURIComponent(user)}.json`);
const sessionPath = (user: string) => join(clientHome(), 'sessions', `${encodeURIComponent(user)}.json`);

/** An opened profile: public part plus the decrypted state, and the data key to save it again. */
export class Profile implements ClientProfile {
  constructor(
    public pub: ProfilePublic,
    public state: ProfileState,
    private readonly dataKey: Buffer,
    private readonly file: ProfileFile,
  ) {}

  static async create(pub: ProfilePublic, state: ProfileState, password: string): Promise<Profile> {
    const file: ProfileFile = { format: 'vaultmeter-profile/1', ...pub, kdf: { N: 0, r: 0, p: 0, salt: '' }, wrappedKey: '', sealedState: '' };
    const profile = new Profile(pub, state, randomBytes(32), file);
    await profile.rewrap(password);
    return profile;
  }

  static async unlockWithPassword(user: string, password: string): Promise<Profile> {
    const file = await readProfileFile(user);
    const kek = await scryptKey(password, Buffer.from(file.kdf.salt, 'base64'), { ...file.kdf, maxmem: PROFILE_SCRYPT.maxmem });
    const dataKey = open(kek, Buffer.from(file.wrappedKey, 'base64'), Buffer.from(user));
    if (!dataKey) throw new ProfileError('invalid_credentials', `the password does not open the local profile of ${user}`);
    return Profile.fromFile(file, dataKey);
  }

  /** A forgotten password: the recovery code printed at registration opens the profile instead. */
  static async unlockWithRecoveryCode(user: string, code: string): Promise<Profile> {
    const file = await readProfileFile(user);
    if (!file.recovery)
      throw new ProfileError('no_recovery_code', `the local profile of ${user} has no recovery code (\`vaultmeter client recovery-code\` makes one)`);
    const r = file.recovery;
    const kek = await scryptKey(normalizeRecoveryCode(code), Buffer.from(r.kdf.salt, 'base64'), { ...r.kdf, maxmem: PROFILE_SCRYPT.maxmem });
    const dataKey = open(kek, Buffer.from(r.wrappedKey, 'base64'), Buffer.from(`${user}/recovery`));
    if (!dataKey) throw new ProfileError('invalid_credentials', `the recovery code does not open the local profile of ${user}`);
    return Profile.fromFile(file, dataKey);
  }

  static async unlockWithSession(user: string): Promise<{ profile: Profile; session: SessionFile } | null> {
    const session = await readSession(user);
    if (!session) return null;
    const file = await readProfileFile(user);
    return { profile: Profile.fromFile(file, Buffer.from(session.dataKey, 'base64')), session };
  }

  private static fromFile(file: ProfileFile, dataKey: Buffer): Profile {
    const body = open(dataKey, Buffer.from(file.sealedState, 'base64'), Buffer.from(file.user));
    if (!body) throw new ProfileError('profile_corrupt', `the local profile of ${file.user} does not open`);
    const { user, server, meterId, caCertPem, meterCertificatePem } = file;
    return new Profile({ user, server, meterId, caCertPem, meterCertificatePem }, JSON.parse(body.toString('utf8')) as ProfileState, dataKey, file);
  }

  get printers(): readonly PrinterProfile[] {
    return this.file.printers ?? [];
  }

  /** Record a tested printer profile (newest first, one per stock/format/symbology). */
  async recordPrinter(p: PrinterProfile): Promise<void> {
    const others = this.printers.filter((x) => !(x.stock === p.stock && x.format === p.format && x.symbology === p.symbology));
    this.file.printers = [p, ...others].slice(0, 16);
    await this.save();
  }

  /** Take the state another process (a second terminal, the CLI beside an SDK user) may have saved since. */
  async reload(): Promise<void> {
    const fresh = Profile.fromFile(await readProfileFile(this.pub.user), this.dataKey);
    this.state = fresh.state;
    this.file.sealedState = fresh.file.sealedState;
  }

  async save(): Promise<void> {
    this.file.sealedState = seal(this.dataKey, Buffer.from(JSON.stringify(this.state)), Buffer.from(this.pub.user)).toString('base64');
    await writeFileAtomic(profilePath(this.pub.user), JSON.stringify(this.file, null, 2), 0o600);
  }

  /** Wrap the data key under scrypt(password) and save: at creation, and after a password change. */
  async rewrap(password: string): Promise<void> {
    const salt = randomBytes(16);
    const kek = await scryptKey(password, salt, PROFILE_SCRYPT);
    this.file.kdf = { N: PROFILE_SCRYPT.N, r: PROFILE_SCRYPT.r, p: PROFILE_SCRYPT.p, salt: salt.toString('base64') };
    this.file.wrappedKey = seal(kek, this.dataKey, Buffer.from(this.pub.user)).toString('base64');
    await this.save();
  }

  /** A new recovery code wraps the data key (replacing any older one); shown once to the customer. */
  async newRecoveryCode(): Promise<string> {
    const code = (randomBytes(RECOVERY_CODE_BYTES).toString('hex').toUpperCase().match(/.{4}/g) ?? []).join('-');
    const salt = randomBytes(16);
    const kek = await scryptKey(normalizeRecoveryCode(code), salt, PROFILE_SCRYPT);
    const kdf = { N: PROFILE_SCRYPT.N, r: PROFILE_SCRYPT.r, p: PROFILE_SCRYPT.p, salt: salt.toString('base64') };
    this.file.recovery = { kdf, wrappedKey: seal(kek, this.dataKey, Buffer.from(`${this.pub.user}/recovery`)).toString('base64') };
    await this.save();
    return code;
  }

  async setServer(server: string): Promise<void> {
    this.pub = { ...this.pub, server };
    this.file.server = server;
    await this.save();
  }

  async saveSession(token: string, expiresAt: string): Promise<void> {
    const s: SessionFile = { token, expiresAt, dataKey: this.dataKey.toString('base64') };
    await writeFileAtomic(sessionPath(this.pub.user), JSON.stringify(s), 0o600);
  }
}

/** 16 random bytes, printed as eight groups of four hex digits. */
const RECOVERY_CODE_BYTES = 16;

/** Dashes, spaces and case do not matter when the code is typed back. */
function normalizeRecoveryCode(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase();
}

export function profileExists(user: string): boolean {
  return existsSync(profilePath(user));
}

async function readProfileFile(user: string): Promise<ProfileFile> {
  if (!profileExists(user)) throw new ProfileError('no_profile', `no local profile for ${user}: run \`vaultmeter client register\` first`);
  return JSON.parse(await readFile(profilePath(user), 'utf8')) as ProfileFile;
}

async function readSession(user: string): Promise<SessionFile | null> {
  if (!existsSync(sessionPath(user))) return null;
  const s = JSON.parse(await readFile(sessionPath(user), 'utf8')) as SessionFile;
  if (Date.parse(s.expiresAt) <= Date.now()) {
    await endSession(user);
    return null;
  }
  return s;
}

export async function endSession(user: string): Promise<void> {
  await rm(sessionPath(user), { force: true });
}

/** The CLI's ProfileStore: encrypted profiles and session files under clientHome(). */
export const diskProfiles: ProfileStore = {
  exists: async (user) => profileExists(user),
  create: (pub, state, password) => Profile.create(pub, state, password),
  unlockWithPassword: (user, password) => Profile.unlockWithPassword(user, password),
  unlockWithSession: (user) => Profile.unlockWithSession(user),
  endSession,
};
