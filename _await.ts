// `await request`: one poller for every awaited request of the rank. Each
// round calls every waiting request's `test()` (which makes progress on the
// backend) and then gives the event loop back, so timers, `fetch` and file
// I/O run between rounds. `Atomics.waitAsync` does not keep Deno's event
// loop alive, so rounds are scheduled on ports and timers, which do:
//
// - for the first SPIN_ROUNDS rounds without a completion, on a
//   MessageChannel (a macrotask each, a few microseconds apart: a reply that
//   comes quickly is seen quickly, at the cost of a busy core);
// - after that, on `setTimeout(…, 1)`: about 1 ms between rounds (more
//   under load or timer clamping), so a rank that awaits a slow peer sleeps
//   instead of spinning. A completion returns to the fast rounds.
//
// The port is closed whenever nothing is awaited, so it never keeps a
// finished rank alive.

/** A request waiting in the poller: true from `poll` once it has settled. */
export interface Awaited {
  /** Makes progress; settles the request's promise and returns true once it has completed (or failed). */
  poll(): boolean;
}

/** Rounds on the MessageChannel before the poller slows to timer ticks. */
const SPIN_ROUNDS = 2000;

const waiting: Awaited[] = [];
let channel: MessageChannel | null = null;
let idleRounds = 0;
let scheduled = false;

/** Adds `a` to the poller; its first poll is in the next round. */
export function awaitPoll(a: Awaited): void {
  waiting.push(a);
  idleRounds = 0;
  schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  if (idleRounds < SPIN_ROUNDS) {
    if (channel === null) {
      channel = new MessageChannel();
      channel.port1.onmessage = round;
    }
    channel.port2.postMessage(0);
  } else {
    closeChannel();
    setTimeout(round, 1);
  }
}

function closeChannel(): void {
  if (channel === null) return;
  channel.port1.close();
  channel.port2.close();
  channel = null;
}

function round(): void {
  scheduled = false;
  let settled = false;
  for (let i = 0; i < waiting.length;) {
    if (waiting[i].poll()) {
      waiting.splice(i, 1);
      settled = true;
    } else i++;
  }
  idleRounds = settled ? 0 : idleRounds + 1;
  if (waiting.length > 0) schedule();
  else closeChannel();
}
