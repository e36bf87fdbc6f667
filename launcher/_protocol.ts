// Messages between the launcher and the rank workers.

/** Launcher → worker: start this rank. */
export interface InitMessage {
  sab: SharedArrayBuffer;
  rank: number;
  module: string;
  args: string[];
  tagOutput: boolean;
  spin?: number;
  unexpectedBytes?: number;
}

/** Worker → launcher: how the rank ended. */
export type RankMessage =
  | { t: "done"; rank: number }
  | { t: "error"; rank: number; message: string; stack: string }
  | { t: "abort"; rank: number; code: number; message: string }
  | { t: "aborted"; rank: number }
  | { t: "exit"; rank: number; code: number };
