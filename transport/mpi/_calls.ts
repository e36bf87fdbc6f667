// The MPI calls the backend makes, each checked: scratch buffers for status,
// flags and out-handles are allocated once, and a failing call becomes an
// SpmdError with MPI's own error string.

import { unnamedError } from "../../errors.ts";
import type { Abi, Handle, MpiLib, MpiSymbols } from "./lib.ts";

/** `MPI_TAG_UB`'s attribute key, by ABI (0 when unknown: the standard's minimum 32767 is assumed). */
const TAG_UB_KEY: Record<string, number> = { "MPICH": 0x64400001, "Open MPI": 0 };

/** A library's calls with their scratch memory. */
export class MpiCalls {
  readonly abi: Abi;
  readonly fn: MpiSymbols;
  // Scratch memory as Uint8Array (what Deno's fast FFI calls take), read through Int32Array views.
  readonly #flagBytes = new Uint8Array(4);
  readonly #flag = new Int32Array(this.#flagBytes.buffer);
  readonly #msg = new Uint8Array(8);
  readonly #status = new Uint8Array(64);
  readonly #st32 = new Int32Array(this.#status.buffer);
  readonly #countBytes = new Uint8Array(4);
  readonly #count = new Int32Array(this.#countBytes.buffer);
  readonly #out = new Uint8Array(8);
  readonly #out32 = new Uint32Array(this.#out.buffer);
  readonly #statusIgnore: Deno.PointerValue;
  readonly #blocks = new Map<ArrayBufferView, Deno.PointerValue>();

  constructor(lib: MpiLib) {
    this.abi = lib.abi;
    this.fn = lib.fn;
    this.#statusIgnore = Deno.UnsafePointer.create(lib.abi.STATUS_IGNORE);
  }

  /** Throws an SpmdError with MPI's words when `rc` is not MPI_SUCCESS. */
  check(rc: number, what: string): void {
    if (rc !== 0) throw unnamedError(`${what} failed: ${this.errorString(rc)} (MPI error ${rc})`, "MPI_ERR_OTHER");
  }

  /** MPI's text for an error code. */
  errorString(rc: number): string {
    const buf = new Uint8Array(1024);
    const len = new Int32Array(1);
    if (this.fn.MPI_Error_string(rc, buf, len) !== 0) return "unknown error";
    return new TextDecoder().decode(buf.subarray(0, Math.max(0, Math.min(len[0], buf.length)))).trim();
  }

  /** `MPI_Init` unless MPI is initialized already. */
  init(): void {
    this.fn.MPI_Initialized(this.#flagBytes);
    if (this.#flag[0] === 0) this.check(this.fn.MPI_Init(null, null), "MPI_Init");
  }

  /** The handle an out-parameter call wrote. */
  #handleOut(): Handle {
    return this.abi.handleBytes === 4 ? this.#out32[0] | 0 : this.#out32[0] + this.#out32[1] * 0x100000000;
  }

  commRank(c: Handle): number {
    this.check(this.fn.MPI_Comm_rank(c, this.#out), "MPI_Comm_rank");
    return this.#out32[0] | 0;
  }

  commSize(c: Handle): number {
    this.check(this.fn.MPI_Comm_size(c, this.#out), "MPI_Comm_size");
    return this.#out32[0] | 0;
  }

  commDup(c: Handle): Handle {
    this.check(this.fn.MPI_Comm_dup(c, this.#out), "MPI_Comm_dup");
    return this.#handleOut();
  }

  commSplit(c: Handle, color: number, key: number): Handle {
    this.check(this.fn.MPI_Comm_split(c, color | 0, key | 0, this.#out), "MPI_Comm_split");
    return this.#handleOut();
  }

  /** Errors on `c` come back as return codes (new communicators inherit it). */
  setErrorsReturn(c: Handle): void {
    this.check(this.fn.MPI_Comm_set_errhandler(c, this.abi.ERRORS_RETURN), "MPI_Comm_set_errhandler");
  }

  /** The library's MPI_TAG_UB (MPI_COMM_WORLD's attribute). */
  tagUb(): number {
    const key = TAG_UB_KEY[this.abi.name];
    if (key === undefined) return 32767;
    const ptr = new BigUint64Array(1);
    this.check(this.fn.MPI_Comm_get_attr(this.abi.COMM_WORLD, key, ptr, this.#flagBytes), "MPI_Comm_get_attr");
    if (this.#flag[0] === 0) return 32767;
    const p = Deno.UnsafePointer.create(ptr[0]);
    return p === null ? 32767 : new Deno.UnsafePointerView(p).getInt32();
  }

  // Ranks and tags are made int32 (`| 0`) at the FFI boundary: a -0 that passed validation is not an i32 to Deno.
  send(bytes: Uint8Array, to: number, tag: number, comm: Handle): void {
    const rc = this.fn.MPI_Send(bytes, bytes.length, this.abi.BYTE, to | 0, tag | 0, comm);
    if (rc !== 0) this.check(rc, "MPI_Send");
  }

  isend(bytes: Uint8Array, to: number, tag: number, comm: Handle, req: Uint8Array): void {
    const rc = this.fn.MPI_Isend(bytes, bytes.length, this.abi.BYTE, to | 0, tag | 0, comm, req);
    if (rc !== 0) this.check(rc, "MPI_Isend");
  }

  /** True when a message from `source` (MPI rank or MPI_ANY_SOURCE) is there; it is then held for `mrecv`. */
  improbe(source: number, comm: Handle): boolean {
    const rc = this.fn.MPI_Improbe(source | 0, this.abi.ANY_TAG, comm, this.#flagBytes, this.#msg, this.#status);
    if (rc !== 0) this.check(rc, "MPI_Improbe");
    return this.#flag[0] !== 0;
  }

  /** Source (MPI rank) of the message `improbe` found. */
  statusSource(): number {
    return this.#st32[this.abi.statusSource >> 2];
  }

  /** MPI tag of the message `improbe` found. */
  statusTag(): number {
    return this.#st32[this.abi.statusTag >> 2];
  }

  /** Byte count of the message `improbe` found. */
  count(): number {
    const at = this.abi.statusCount;
    if (at >= 0) return this.#st32[at >> 2]; // the library's byte count, read in place (messages < 2 GiB)
    const rc = this.fn.MPI_Get_count(this.#status, this.abi.BYTE, this.#countBytes);
    if (rc !== 0) this.check(rc, "MPI_Get_count");
    return this.#count[0];
  }

  /** Receives the message `improbe` found into `dst` (exactly its length). */
  mrecv(dst: Uint8Array): void {
    const rc = this.fn.MPI_Mrecv(dst, dst.length, this.abi.BYTE, this.#msg, this.#status);
    if (rc !== 0) this.check(rc, "MPI_Mrecv");
  }

  /** True once the request in `req` has completed (it is then freed). */
  test(req: Uint8Array): boolean {
    const rc = this.fn.MPI_Test(req, this.#flagBytes, this.#statusIgnore);
    if (rc !== 0) this.check(rc, "MPI_Test");
    return this.#flag[0] !== 0;
  }

  /** `MPI_Alloc_mem` viewed as bytes. */
  allocMem(bytes: number): Uint8Array {
    if (bytes === 0) {
      // Open MPI's MPI_Alloc_mem of 0 bytes returns NULL: an empty block needs no memory at all.
      const empty = new Uint8Array(0);
      this.#blocks.set(empty, null);
      return empty;
    }
    const rc = this.fn.MPI_Alloc_mem(BigInt(bytes), this.abi.INFO_NULL, this.#out);
    if (rc !== 0) {
      throw unnamedError(`MPI_Alloc_mem of ${bytes} bytes failed: ${this.errorString(rc)}`, "MPI_ERR_NO_MEM");
    }
    const p = Deno.UnsafePointer.create(BigInt(this.#out32[0]) + (BigInt(this.#out32[1]) << 32n));
    if (p === null) throw unnamedError(`MPI_Alloc_mem of ${bytes} bytes returned null`, "MPI_ERR_NO_MEM");
    const view = new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, Math.max(bytes, 1)), 0, bytes);
    this.#blocks.set(view, p);
    return view;
  }

  /** `MPI_Free_mem` of the very view `allocMem` returned. */
  freeMem(view: ArrayBufferView): void {
    const p = this.#blocks.get(view);
    if (p === undefined) {
      throw unnamedError("free takes exactly an array that alloc returned, once", "MPI_ERR_BUFFER");
    }
    this.#blocks.delete(view);
    if (p !== null) this.check(this.fn.MPI_Free_mem(p), "MPI_Free_mem");
  }

  abort(code: number): void {
    this.fn.MPI_Abort(this.abi.COMM_WORLD, code);
  }

  finalize(): void {
    this.fn.MPI_Finalized(this.#flagBytes);
    if (this.#flag[0] === 0) this.check(this.fn.MPI_Finalize(), "MPI_Finalize");
  }
}
