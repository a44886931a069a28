/**
 * The query port's users and their roles. The table keeps only SHA-256 digests of the passwords
 * and compares them in constant time, over every user whatever the name.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type Role = 'reader' | 'writer';

export interface QueryUser {
  readonly name: string;
  readonly password: string;
  readonly role: Role;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class UserTable {
  readonly #users: readonly { name: string; digest: Buffer; role: Role }[];

  constructor(users: readonly QueryUser[]) {
    this.#users = users.map((u) => ({ name: u.name, digest: digest(u.password), role: u.role }));
  }

  /** Whether any user has a password (otherwise the anonymous `default` user may read). */
  get hasPasswords(): boolean {
    return this.#users.length > 0;
  }

  /** The role of a name and password, or null; with no users, `default` without a password reads. */
  authenticate(name: string, password: string): Role | null {
    if (this.#users.length === 0) return name === 'default' && password === '' ? 'reader' : null;
    const given = digest(password);
    let role: Role | null = null;
    // Every user is compared, so the time taken does not say which name exists.
    for (const u of this.#users) if (timingSafeEqual(given, u.digest) && u.name === name) role = u.role;
    return role;
  }
}
