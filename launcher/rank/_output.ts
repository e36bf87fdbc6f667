// A rank's output under --tag-output, --timestamp-output and
// --output-filename: everything the rank writes — console.* (log, table,
// dir, trace, group indentation, ...), Deno.stdout/stderr.write(Sync) and
// their `writable` streams — goes through one sink per stream, which prefixes
// each complete line (buffering a partial line until its newline, or until
// the rank ends) and writes it to the terminal or to the rank's file.

import { Console } from "node:console";
import { Writable } from "node:stream";

/** How a rank's output is shaped. */
export interface OutputOptions {
  /** Prefix every line with `[1,rank]<stdout>:` (or `<stderr>`). */
  tag: boolean;
  /** Prefix every line with `[ISO time]`. */
  timestamp: boolean;
  /** Write to `dir/1/rank.N/stdout` and `stderr` instead of the process's streams. */
  dir?: string;
}

type StreamName = "stdout" | "stderr";

/** One stream of a rank: line-buffered and prefixed, or passed through. */
class Sink {
  private pending = "";
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly out: (bytes: Uint8Array) => void,
    private readonly prefix: (() => string) | null,
  ) {}

  write(chunk: Uint8Array | string): void {
    if (this.prefix === null) {
      this.out(typeof chunk === "string" ? this.encoder.encode(chunk) : chunk);
      return;
    }
    this.pending += typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    const nl = this.pending.lastIndexOf("\n");
    if (nl < 0) return;
    const lines = this.pending.slice(0, nl);
    this.pending = this.pending.slice(nl + 1);
    this.emit(lines);
  }

  /** Writes a partial last line, ended with a newline. */
  flush(): void {
    if (this.prefix === null) return;
    this.pending += this.decoder.decode();
    if (this.pending === "") return;
    const rest = this.pending;
    this.pending = "";
    this.emit(rest);
  }

  private emit(lines: string): void {
    const p = this.prefix!();
    this.out(this.encoder.encode(lines.split("\n").map((l) => p + l).join("\n") + "\n"));
  }
}

/** Writes all of `bytes` with `write` (a writeSync). */
function writeAll(write: (b: Uint8Array) => number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += write(bytes.subarray(off));
}

/**
 * Routes this rank's output through prefixing sinks (and files, with
 * `dir`); returns the function that writes out partial lines, to call when
 * the rank ends.
 */
export function redirectOutput(rank: number, o: OutputOptions): () => void {
  const sinks = {} as Record<StreamName, Sink>;
  for (const name of ["stdout", "stderr"] as const) {
    const std = Deno[name];
    let out: (b: Uint8Array) => void;
    if (o.dir !== undefined) {
      const dir = `${o.dir}/1/rank.${rank}`;
      Deno.mkdirSync(dir, { recursive: true });
      const f = Deno.openSync(`${dir}/${name}`, { write: true, create: true, truncate: true });
      out = (b) => writeAll((x) => f.writeSync(x), b);
    } else {
      const write = std.writeSync.bind(std);
      out = (b) => writeAll(write, b);
    }
    const tag = o.tag ? `[1,${rank}]<${name}>:` : "";
    const prefix = o.tag || o.timestamp
      ? (o.timestamp ? () => `[${new Date().toISOString()}]${tag}` : () => tag)
      : null;
    const sink = new Sink(out, prefix);
    sinks[name] = sink;
    let writable: WritableStream<Uint8Array> | undefined;
    Object.defineProperties(std, {
      writeSync: {
        configurable: true,
        writable: true,
        value: (p: Uint8Array): number => (sink.write(p), p.byteLength),
      },
      write: {
        configurable: true,
        writable: true,
        value: (p: Uint8Array): Promise<number> => Promise.resolve((sink.write(p), p.byteLength)),
      },
      writable: {
        configurable: true,
        get: () => writable ??= new WritableStream<Uint8Array>({ write: (chunk) => sink.write(chunk) }),
      },
    });
  }
  const stream = (s: Sink) =>
    new Writable({
      decodeStrings: false,
      write(chunk: Uint8Array | string, _enc: string, cb: () => void) {
        s.write(chunk);
        cb();
      },
    });
  // Deno's own Console class (Deno's internals), given a print function, formats exactly as the global console does
  // (Deno.inspect style, %d/%s/%o, table, dir, trace, group indentation, count, time, assert); node's Console is the
  // fallback where it is missing (it formats node's way: strings in objects single-quoted). Colours follow Deno's
  // rule for the terminal; files (--output-filename) get none.
  const DenoConsole = (Deno as unknown as Record<symbol, { Console?: unknown }>)[
    (Deno as unknown as { internal: symbol }).internal
  ]?.Console as (new (print: (msg: string, level: number) => void) => Console) | undefined;
  const esc = String.fromCharCode(27);
  const colours = new RegExp(`${esc}\\[[0-9;]*m`, "g");
  const plain = (msg: string) => o.dir === undefined ? msg : msg.replace(colours, "");
  const c = typeof DenoConsole === "function"
    ? new DenoConsole((msg, level) => (level > 1 ? sinks.stderr : sinks.stdout).write(plain(msg)))
    : new Console({ stdout: stream(sinks.stdout), stderr: stream(sinks.stderr), colorMode: false });
  const target = console as unknown as Record<string, unknown>;
  const source = c as unknown as Record<string, unknown>;
  for (const key of Object.keys(target)) {
    if (typeof target[key] === "function" && typeof source[key] === "function") {
      target[key] = (source[key] as (...a: unknown[]) => unknown).bind(c);
    }
  }
  return () => {
    sinks.stdout.flush();
    sinks.stderr.flush();
  };
}
