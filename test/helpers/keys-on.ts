import type { Client } from '../../src/index.js';

/** `count` keys (with `prefix`) that the client places on `address`. */
export function keysOn(client: Client, address: string, count: number, prefix = 'k'): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const key = `${prefix}:${i}`;
    if (client.nodeFor(key) === address) out.push(key);
    if (i > 100_000) throw new Error(`no keys land on ${address}`);
  }
  return out;
}
