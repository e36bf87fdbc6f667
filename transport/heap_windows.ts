/**
 * Shared windows' memory on the shared-memory backend: a block of the
 * heap (heap.ts) of the communicator's rank 0, which every rank of the job
 * can read and write, so a window's segments are contiguous and a send of a
 * large part of one is copied once, by the receiver (rendezvous.ts).
 *
 * @module
 */

import type { Rendezvous } from "./rendezvous.ts";
import type { SharedMemory, WindowBlock, WindowBlockOptions } from "./transport.ts";

/** Windows in the job's heaps. */
export class HeapWindows implements SharedMemory {
  readonly #rdv: Rendezvous;

  /** Windows for the rank whose side of single-copy sends is `rdv`. */
  constructor(rdv: Rendezvous) {
    this.#rdv = rdv;
  }

  /** The root allocates the block from its heap and shares its offset; every rank views it there. */
  windowBlock(o: WindowBlockOptions): WindowBlock {
    const rdv = this.#rdv;
    const heap = rdv.heapView(o.rootWorld);
    if (heap === null) {
      throw new Error("this job's heaps are not shared (a transport made without them): no shared windows");
    }
    let block: Uint8Array | null = null;
    let at: number | string = 0;
    if (o.root) {
      try {
        block = rdv.alloc(o.bytes);
        block.fill(0);
        at = block.byteOffset;
      } catch (e) {
        at = (e as Error).message;
      }
    }
    at = o.share(at);
    if (typeof at === "string") throw new Error(`${o.bytes} bytes on the heap of world rank ${o.rootWorld}: ${at}`);
    const bytes = new Uint8Array(heap.buffer, at, o.bytes);
    return {
      bytes,
      free: () => {
        if (block !== null) rdv.free(block);
      },
      using: () => rdv.using(heap.buffer, at as number, (at as number) + o.bytes),
    };
  }

  /** Wakes world rank `r` if it sleeps. */
  wake(r: number): void {
    this.#rdv.wake(r);
  }
}
