/**
 * The activity block: what each rank is doing right now, in 16 words of
 * shared memory that only the rank itself writes and the launcher reads for
 * failure and deadlock reports (and, later, a trace).
 *
 * The rank side is {@linkcode Activity}: `enter`/`leave` around every spmd
 * call that may block (only the outermost call is kept), `beginWait`/
 * `endWait` around idle waiting inside a call, counters of messages sent and
 * received, and how the rank ended. The launcher side is
 * {@linkcode snapshot} and {@linkcode isEnded}. Neither side uses raw
 * offsets; this file alone knows them.
 *
 * ```text
 * word 0  state      RUNNING / IN_CALL / DONE / FAILED / STARTING / EXITED
 * word 1  call       code of the outermost spmd call (calls.ts)
 * word 2  peer       source / dest / root, or -1
 * word 3  tag        tag, or -1
 * word 4  context    communicator context id, or -1
 * word 5  depth      nesting depth of spmd calls
 * word 6  sent       messages sent so far (wraps)
 * word 7  received   messages received so far (wraps)
 * word 8  epoch      outermost spmd calls entered (changes whenever the rank moves on)
 * word 9  waiting    1 while the rank is idle in a wait loop (no local work)
 * word 10 waits      waits begun (changes when a rank works inside a call and waits again)
 * ```
 *
 * @module
 */

/** State: running user code. */
export const ACT_RUNNING = 0;
/** State: inside an spmd call. */
export const ACT_IN_CALL = 1;
/** State: finalized (its program and pending work finished). */
export const ACT_DONE = 2;
/** State: failed. */
export const ACT_FAILED = 3;
/** State: not yet started. */
export const ACT_STARTING = 4;
/** State: finalized by `Deno.exit(0)` (ended early, on purpose). */
export const ACT_EXITED = 5;

const STATE = 0;
const CALL = 1;
const PEER = 2;
const TAG = 3;
const CONTEXT = 4;
const DEPTH = 5;
const SENT = 6;
const RECEIVED = 7;
const EPOCH = 8;
const WAITING = 9;
const WAITS = 10;

/** Words an activity block needs (the layout gives each rank a 16-word line). */
export const ACTIVITY_WORDS = 11;

/** Initialises a rank's block before the rank starts. */
export function initActivity(words: Int32Array, base: number): void {
  words[base + STATE] = ACT_STARTING;
  words[base + PEER] = -1;
  words[base + TAG] = -1;
  words[base + CONTEXT] = -1;
}

/** A rank's own view of its activity block: the only writer. */
export class Activity {
  readonly #w: Int32Array;
  readonly #b: number;
  readonly #abort: number;

  /** The block at word `base` of `words`; `abortWord` is the job's abort flag (records freeze once it is set). */
  constructor(words: Int32Array, base: number, abortWord: number) {
    this.#w = words;
    this.#b = base;
    this.#abort = abortWord;
  }

  /** The rank has started running user code. */
  start(): void {
    Atomics.store(this.#w, this.#b + STATE, ACT_RUNNING);
  }

  /** Records the start of an spmd call (outermost only). */
  enter(call: number, peer: number, tag: number, context: number): void {
    const w = this.#w;
    const b = this.#b;
    if (w[b + DEPTH]++ === 0) {
      w[b + CALL] = call;
      w[b + PEER] = peer;
      w[b + TAG] = tag;
      w[b + CONTEXT] = context;
      w[b + EPOCH]++;
      w[b + STATE] = ACT_IN_CALL;
    }
  }

  /**
   * Records the end of the call recorded by `enter`. Once the job is being
   * stopped the record is left as it was, so the report shows the call a
   * rank was woken from rather than "running user code".
   */
  leave(): void {
    const w = this.#w;
    const b = this.#b;
    if (--w[b + DEPTH] === 0 && w[this.#abort] === 0) w[b + STATE] = ACT_RUNNING;
  }

  /** The rank starts waiting idle inside a call. */
  beginWait(): void {
    const w = this.#w;
    w[this.#b + WAITS]++;
    w[this.#b + WAITING] = 1;
  }

  /** The rank stops waiting (it has work again, or the call returns). */
  endWait(): void {
    this.#w[this.#b + WAITING] = 0;
  }

  /** Counts a message sent. */
  sent(): void {
    this.#w[this.#b + SENT]++;
  }

  /** Counts a message received. */
  received(): void {
    this.#w[this.#b + RECEIVED]++;
  }

  /** The rank has finalized (by `Deno.exit(0)` when `exit`). */
  finish(exit: boolean): void {
    Atomics.store(this.#w, this.#b + STATE, exit ? ACT_EXITED : ACT_DONE);
  }
}

/** What a rank's block says at one moment (the launcher's view). */
export interface ActivitySnapshot {
  /** One of the ACT_* states. */
  state: number;
  /** Call code (calls.ts). */
  call: number;
  /** Source, dest or root, or −1. */
  peer: number;
  /** Tag, or −1. */
  tag: number;
  /** Context id, or −1. */
  context: number;
  /** Messages sent. */
  sent: number;
  /** Messages received. */
  received: number;
  /** Outermost calls entered. */
  epoch: number;
  /** True while idle in a wait loop. */
  waiting: boolean;
  /** Waits begun. */
  waits: number;
}

/** Reads the block at word `base` of `words`. */
export function snapshot(words: Int32Array, base: number): ActivitySnapshot {
  return {
    state: Atomics.load(words, base + STATE),
    call: Atomics.load(words, base + CALL),
    peer: Atomics.load(words, base + PEER),
    tag: Atomics.load(words, base + TAG),
    context: Atomics.load(words, base + CONTEXT),
    sent: Atomics.load(words, base + SENT),
    received: Atomics.load(words, base + RECEIVED),
    epoch: Atomics.load(words, base + EPOCH),
    waiting: Atomics.load(words, base + WAITING) === 1,
    waits: Atomics.load(words, base + WAITS),
  };
}

/** True once the rank whose block is at `base` has finalized or failed: it will never read or send again. */
export function isEnded(words: Int32Array, base: number): boolean {
  const st = Atomics.load(words, base + STATE);
  return st === ACT_DONE || st === ACT_EXITED || st === ACT_FAILED;
}
