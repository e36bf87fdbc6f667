// Messages between the launcher and the rank workers.

/** Launcher → worker: start this rank. */
export interface InitMessage {
  t: "init";
  sab: SharedArrayBuffer;
  /** Every rank's heap (transport/heap.ts), in rank order. */
  heaps: SharedArrayBuffer[];
  rank: number;
  module: string;
  args: string[];
  tagOutput: boolean;
  /** Prefix output lines with the time. */
  timestampOutput: boolean;
  /** Write the rank's output to files under this directory (DIR/1/rank.N/stdout, stderr). */
  outputDir?: string;
  spin?: number;
  unexpectedBytes?: number;
  /** This rank's trace buffer, when the job is traced. */
  trace?: SharedArrayBuffer;
}

/**
 * Launcher → worker, after the rank's module returned: "is your event loop
 * idle?" The worker can tell only while it handles a message (the wait for
 * the launcher's next message is itself pending work the rest of the time).
 */
export interface IdleQuery {
  t: "idle?";
}

/** Worker → launcher. */
export type RankMessage =
  | { t: "done"; rank: number }
  | { t: "returned"; rank: number }
  | { t: "busy"; rank: number }
  | { t: "error"; rank: number; message: string; stack: string; late?: boolean }
  | { t: "abort"; rank: number; code: number; message: string }
  | { t: "aborted"; rank: number }
  | { t: "exit"; rank: number; code: number; late?: boolean };
