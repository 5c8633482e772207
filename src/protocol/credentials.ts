import { inspect } from 'node:util';

const REDACTED = '[credentials redacted]';

/**
 * SASL credentials, kept in private fields so they never show in
 * `util.inspect`, `console.log`, `JSON.stringify` or `toString()` of any
 * object that holds them.
 */
export class Credentials {
  readonly #username: string;
  readonly #password: string;

  /** @param username - SASL user @param password - SASL password */
  constructor(username: string, password: string) {
    this.#username = username;
    this.#password = password;
  }

  /** The user name. */
  get username(): string {
    return this.#username;
  }

  /** The password. */
  get password(): string {
    return this.#password;
  }

  /** Redacted. */
  toString(): string {
    return REDACTED;
  }

  /** Redacted. */
  toJSON(): string {
    return REDACTED;
  }

  /** Redacted. */
  [inspect.custom](): string {
    return REDACTED;
  }
}
