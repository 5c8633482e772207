import { afterEach, beforeEach } from 'vitest';
import type { Client, ClientOptions } from '../../src/index.js';

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
