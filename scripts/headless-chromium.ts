/**
 * Drives a real headless Chromium (Debian's `chromium`) over the DevTools
 * protocol on a pipe (--remote-debugging-pipe: JSON messages ending in NUL on
 * file descriptors 3 and 4), so no browser-automation package is needed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** CHROMIUM_BIN, or the first Chromium on PATH; undefined when there is none. */
export function findChromium(): string | undefined {
  if (process.env.CHROMIUM_BIN) return process.env.CHROMIUM_BIN;
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of NAMES) {
    for (const dir of dirs) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** One DevTools protocol event. */
export interface ProtocolEvent {
  readonly method: string;
  readonly params: Record<string, unknown>;
  readonly sessionId?: string;
}

interface Pending {
  resolve(result: Record<string, unknown>): void;
  reject(err: Error): void;
}

/** A headless Chromium and one page (tab) in it. */
export class HeadlessChromium {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: ProtocolEvent) => void>();
  private stderr = '';
  private sessionId = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const input = child.stdio[4] as Readable;
    let buffered = '';
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf('\0'); end !== -1; end = buffered.indexOf('\0')) {
        this.dispatch(JSON.parse(buffered.slice(0, end)) as Record<string, unknown>);
        buffered = buffered.slice(end + 1);
      }
    });
    child.stderr?.on(
      'data',
      (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)),
    );
    child.once('exit', (code, signal) => {
      const err = new Error(`chromium exited (${signal ?? code}): ${this.stderr.trim()}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  /** Starts Chromium headless and opens one blank page. */
  static async launch(bin: string): Promise<HeadlessChromium> {
    const profile = mkdtempSync(join(tmpdir(), 'memcas-chromium-'));
    const args = [
      '--headless',
      '--remote-debugging-pipe',
      `--user-data-dir=${profile}`,
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--window-size=1280,900',
      // Chromium's sandbox cannot start as root (CI runs as root).
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      'about:blank',
    ];
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    const browser = new HeadlessChromium(child, profile);
    const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await browser.send('Target.attachToTarget', { targetId, flatten: true });
    browser.sessionId = String(sessionId);
    for (const domain of ['Page', 'Runtime', 'Network']) await browser.call(`${domain}.enable`);
    return browser;
  }

  /** Sends a browser-level command. */
  send(method: string, params: object = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const message = JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      (this.child.stdio[3] as Writable).write(`${message}\0`);
    });
  }

  /** Sends a command to the page. */
  call(method: string, params: object = {}): Promise<Record<string, unknown>> {
    return this.send(method, params, this.sessionId);
  }

  /** Calls `listener` with every event of the page until the returned function is called. */
  onEvent(listener: (e: ProtocolEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads `url` and resolves once its load event has fired. */
  async navigate(url: string, timeoutMs = 20_000): Promise<void> {
    let off = (): void => {};
    const loaded = new Promise<void>((resolve) => {
      off = this.onEvent((e) => {
        if (e.method === 'Page.loadEventFired') resolve();
      });
    });
    try {
      const result = await this.call('Page.navigate', { url });
      if (result.errorText) throw new Error(`could not load ${url}: ${String(result.errorText)}`);
      await withTimeout(loaded, timeoutMs, `${url} did not finish loading`);
    } finally {
      off();
    }
  }

  /** Evaluates `expression` in the page (awaiting a promise) and returns its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = (await this.call('Runtime.evaluate', {
      expression,
      awaitPromise: true,
      returnByValue: true,
    })) as {
      result?: { value?: unknown };
      exceptionDetails?: { exception?: { description?: string } };
    };
    if (exceptionDetails) {
      throw new Error(`in the page: ${exceptionDetails.exception?.description ?? 'an exception'}`);
    }
    return result?.value as T;
  }

  /** Polls `expression` until it is truthy. */
  async waitFor(expression: string, what: string, timeoutMs = 10_000): Promise<void> {
    for (const deadline = Date.now() + timeoutMs; ;) {
      if (await this.evaluate<boolean>(`Boolean(${expression})`)) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Closes the browser and removes its profile. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.send('Browser.close').catch(() => {});
      await withTimeout(exited, 5000, 'chromium did not close').catch(() =>
        this.child.kill('SIGKILL'),
      );
    }
    rmSync(this.profile, { recursive: true, force: true });
  }

  private dispatch(message: Record<string, unknown>): void {
    if (typeof message.id === 'number') {
      const p = this.pending.get(message.id);
      this.pending.delete(message.id);
      const error = message.error as { message?: string } | undefined;
      if (error) p?.reject(new Error(`chromium: ${error.message ?? 'error'}`));
      else p?.resolve((message.result ?? {}) as Record<string, unknown>);
      return;
    }
    if (typeof message.method === 'string') {
      for (const l of this.listeners) l(message as unknown as ProtocolEvent);
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
