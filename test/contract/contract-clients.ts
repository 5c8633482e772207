import { afterEach, beforeEach } from 'vitest';
import type { Client, ClientOptions } from '../../src/index.js';

/**
 * What the protocol or path under test cannot do, so the suites assert the
 * documented refusal there instead of the operation.
 */
export interface ContractLimits {
  /**
   * The classic text protocol: a CAS-guarded delete (and `update()` returning
   * `remove`) is refused with code `UNSUPPORTED`, and the token a write hands
   * back carries no CAS (value 0n), so `cas()` with it is a conflict.
   */
  readonly text?: boolean;
  /** Through a proxy that passes on data commands only (twemproxy): `stats` fails. */
  readonly proxy?: boolean;
}

/** Makes a client on the backend under test, with extra options. */
export type ClientFactory = (options?: ClientOptions) => Client;

/** The clients of one contract test: `client` (flushed before each test), `other`, and `open()` for more. */
export interface ContractClients {
  readonly client: Client;
  readonly other: Client;
  open(options?: ClientOptions): Client;
}

/**
 * Registers hooks that give each test a fresh factory, a flushed `client` and
 * a second `other` client, and close every client the test opened.
 */
export function useContractClients(factory: () => ClientFactory): ContractClients {
  let make: ClientFactory;
  const opened: Client[] = [];
  const open = (options?: ClientOptions): Client => {
    const c = make(options);
    opened.push(c);
    return c;
  };
  const state = {
    client: undefined as unknown as Client,
    other: undefined as unknown as Client,
    open,
  };
  beforeEach(async () => {
    make = factory();
    state.client = open();
    state.other = open();
    await state.client.flush();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
  });
  return state;
}
