import type { Snapshot, UpdateIO, WriteOutcome } from '../../src/txn/index.js';

/** A test's key, written with promises: each read and write returns its answer. */
export interface PromiseIO<T> {
  readonly key: string;
  read(): Promise<Snapshot<T>>;
  encode(value: T): Buffer;
  write(snapshot: Snapshot<T>, bytes: Buffer | undefined): Promise<WriteOutcome>;
}

/**
 * The {@link UpdateIO} of a promise-written test key: each answer goes to
 * the batch's sink. A read or write that throws at once still throws at
 * once, and the methods are looked up at each call, so a test may replace
 * them on `io` as it goes.
 */
export function sinkIO<T>(io: PromiseIO<T>): UpdateIO<T> {
  return {
    get key() {
      return io.key;
    },
    encode: (value) => io.encode(value),
    read(sink) {
      io.read().then(
        (snapshot) => sink.readAnswered(snapshot),
        (err: unknown) => sink.failed(err),
      );
    },
    write(snapshot, bytes, sink) {
      io.write(snapshot, bytes).then(
        (outcome) => sink.writeAnswered(outcome),
        (err: unknown) => sink.failed(err),
      );
    },
  };
}
