// spmd's typed-array kinds (typed.ts) mapped to MPI datatypes, for MPI's own
// reductions. A kind whose arithmetic MPI does differently gets 0 and is
// reduced by spmd's own algorithms: Uint8ClampedArray (clamps, C wraps),
// Float16Array (no MPI type), DataView (no element type).

import {
  KIND_BIGINT64,
  KIND_BIGUINT64,
  KIND_FLOAT32,
  KIND_FLOAT64,
  KIND_INT16,
  KIND_INT32,
  KIND_INT8,
  KIND_TYPED_LAST,
  KIND_UINT16,
  KIND_UINT32,
  KIND_UINT8,
} from "../typed.ts";

/** The MPI datatype handles a library defines for the element types spmd maps. */
export interface MpiTypeHandles {
  int8: number;
  uint8: number;
  int16: number;
  uint16: number;
  int32: number;
  uint32: number;
  int64: number;
  uint64: number;
  float: number;
  double: number;
  byte: number;
}

/** Datatype handle by kind (index), 0 for kinds MPI does not reduce as spmd does. */
export function typedKindsForMpi(t: MpiTypeHandles): number[] {
  const out = new Array<number>(KIND_TYPED_LAST + 1).fill(0);
  out[KIND_INT8] = t.int8;
  out[KIND_UINT8] = t.uint8;
  out[KIND_INT16] = t.int16;
  out[KIND_UINT16] = t.uint16;
  out[KIND_INT32] = t.int32;
  out[KIND_UINT32] = t.uint32;
  out[KIND_BIGINT64] = t.int64;
  out[KIND_BIGUINT64] = t.uint64;
  out[KIND_FLOAT32] = t.float;
  out[KIND_FLOAT64] = t.double;
  return out;
}
