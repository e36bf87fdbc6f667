"""peer_mpi4py.py — the mpi4py peer of `deno task compare` (issue 10).

Runs the steps of a plan file with mpi4py's buffer (uppercase) API and
prints, on rank 0, one JSON line per step. The protocol (what one timed
iteration is, what `seconds` means) is defined in bench/compare/plan.ts and
is the same as bench/compare/peer_mpi.c's:

  latency    rank 0 Sends S bytes to rank 1, which Sends them back;
             seconds = half the round trip
  bw         rank 0 posts 64 Isend, rank 1 64 Irecv, Request.Waitall, then
             rank 1 sends a 4-byte acknowledgement; seconds = a window
  bibw       both ranks post 64 Irecv and 64 Isend, Waitall;
             seconds = a window each way
  barrier, bcast, gather, allgather, alltoall (MPI.BYTE over bytearray),
  reduce, allreduce (MPI.SUM of max(1, S/8) MPI.DOUBLE over array('d'));
  seconds = a call

Point-to-point benches use ranks 0 and 1; other ranks only pass through the
barriers that separate the steps. Buffers are allocated once per step and
reused. After `warmup` untimed iterations and a barrier, rank 0 times `iters`
iterations with MPI.Wtime() in 5 consecutive slices and reports the median
slice's time per iteration (plan.ts). Only the standard
library and mpi4py are needed (no numpy). mpi4py is used with its defaults
(it initialises MPI with MPI_THREAD_MULTIPLE), as a user would.

Run (with the mpiexec of the MPI that mpi4py was built against; on Debian
that is Open MPI, whose mpiexec needs --allow-run-as-root as root):
  mpiexec -n N /usr/bin/python3 peer_mpi4py.py PLANFILE

PLANFILE: {"ranks": N, "steps": [{"bench":"latency","size":1,"iters":100,"warmup":10}, ...]}
Output, one line per step, on stdout of rank 0:
  {"bench":"latency","size":1,"iters":100,"warmup":10,"ranks":2,"seconds":4.5e-07}
Errors go to stderr and end the job with a non-zero status.
"""

import json
import sys
from array import array

from mpi4py import MPI

WINDOW = 64  # messages per window in bw and bibw (plan.ts WINDOW)
TAG_DATA = 1
TAG_ACK = 2
BENCHES = ("latency", "bw", "bibw", "barrier", "bcast", "reduce", "allreduce", "gather", "allgather", "alltoall")

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
p = comm.Get_size()


def fail(message):
    """Reports an error and ends the whole job."""
    sys.stderr.write("peer_mpi4py: rank %d: %s\n" % (rank, message))  # one write: lines do not interleave
    sys.stderr.flush()
    comm.Abort(2)
    sys.exit(2)


def read_plan(path):
    """Reads and checks the plan file."""
    try:
        with open(path) as f:
            plan = json.load(f)
        steps = plan["steps"]
        ranks = int(plan["ranks"])
        for st in steps:
            for key in ("size", "iters", "warmup"):
                if not isinstance(st[key], int) or st[key] < 0:
                    raise ValueError("%s must be a non-negative integer in %r" % (key, st))
            if st["iters"] < 1:
                raise ValueError("iters must be at least 1 in %r" % (st,))
            if st["bench"] not in BENCHES:
                raise ValueError("unknown bench in %r" % (st,))
    except KeyError as e:
        fail("plan file %s: missing key %s" % (path, e))
    except Exception as e:  # noqa: BLE001 - any defect of the file ends the job
        fail("plan file %s: %s" % (path, e))
    if ranks != p:
        fail("plan %s is for %d ranks but the job has %d" % (path, ranks, p))
    return steps


def timed(body, warmup, iters):
    """Runs body warmup times, a barrier, then iters times in SLICES slices; returns the median seconds per iteration."""
    for _ in range(warmup):
        body()
    comm.Barrier()
    k = min(SLICES, iters)
    per = []
    for s in range(k):
        n = iters // k + (iters % k if s == k - 1 else 0)
        t0 = MPI.Wtime()
        for _ in range(n):
            body()
        per.append((MPI.Wtime() - t0) / n)
    per.sort()
    return per[k // 2] if k % 2 else (per[k // 2 - 1] + per[k // 2]) / 2


SLICES = 5


def idle():
    pass


def run_step(st):
    """Runs one step; returns rank 0's seconds per timed iteration."""
    bench, size, iters, warmup = st["bench"], st["size"], st["iters"], st["warmup"]
    BYTE = MPI.BYTE

    if bench in ("latency", "bw", "bibw"):
        if p < 2:
            fail("%s needs at least 2 ranks" % bench)
        body = idle  # ranks other than 0 and 1 only pass the barrier
        if rank < 2:
            peer = 1 - rank
            s = [bytearray(b"\x01" * size), BYTE]
            r = [bytearray(b"\x01" * size), BYTE]
            send, recv, isend, irecv = comm.Send, comm.Recv, comm.Isend, comm.Irecv
            waitall = MPI.Request.Waitall
            if bench == "latency":
                if rank == 0:

                    def body():
                        send(s, 1, TAG_DATA)
                        recv(r, 1, TAG_DATA)

                else:

                    def body():
                        recv(r, 0, TAG_DATA)
                        send(s, 0, TAG_DATA)

            elif bench == "bw":
                ack = [bytearray(4), BYTE]
                window = range(WINDOW)
                if rank == 0:

                    def body():
                        waitall([isend(s, 1, TAG_DATA) for _ in window])
                        recv(ack, 1, TAG_ACK)

                else:

                    def body():
                        waitall([irecv(r, 0, TAG_DATA) for _ in window])
                        send(ack, 0, TAG_ACK)

            else:
                window = range(WINDOW)

                def body():
                    reqs = [irecv(r, peer, TAG_DATA) for _ in window]
                    reqs += [isend(s, peer, TAG_DATA) for _ in window]
                    waitall(reqs)

        seconds = timed(body, warmup, iters)
        return seconds / 2 if bench == "latency" else seconds

    if bench == "barrier":
        return timed(comm.Barrier, warmup, iters)

    if bench == "bcast":
        buf = [bytearray(b"\x01" * size), BYTE]
        bcast = comm.Bcast
        return timed(lambda: bcast(buf, 0), warmup, iters)

    if bench in ("reduce", "allreduce"):
        n = max(1, size // 8)
        s = [array("d", [1.0]) * n, MPI.DOUBLE]
        r = [array("d", [1.0]) * n, MPI.DOUBLE]
        SUM = MPI.SUM
        if bench == "reduce":
            reduce = comm.Reduce
            return timed(lambda: reduce(s, r, SUM, 0), warmup, iters)
        allreduce = comm.Allreduce
        return timed(lambda: allreduce(s, r, SUM), warmup, iters)

    if bench in ("gather", "allgather", "alltoall"):
        # Receive buffers hold p·S (gather: on rank 0 only); MPI.BYTE counts are len / p per rank.
        s = [bytearray(b"\x01" * (p * size if bench == "alltoall" else size)), BYTE]
        r = [bytearray(b"\x01" * (p * size)), BYTE] if bench != "gather" or rank == 0 else None
        if bench == "gather":
            gather = comm.Gather
            return timed(lambda: gather(s, r, 0), warmup, iters)
        if bench == "allgather":
            allgather = comm.Allgather
            return timed(lambda: allgather(s, r), warmup, iters)
        alltoall = comm.Alltoall
        return timed(lambda: alltoall(s, r), warmup, iters)

    fail('unknown bench "%s"' % bench)


def main():
    if len(sys.argv) != 2:
        fail("usage: mpiexec -n N python3 peer_mpi4py.py PLANFILE")
    steps = read_plan(sys.argv[1])
    for st in steps:
        comm.Barrier()  # steps do not overlap
        seconds = run_step(st)
        if rank == 0:
            # Formatted by hand to match the C peer's %.9g exactly.
            sys.stdout.write(
                '{"bench":%s,"size":%d,"iters":%d,"warmup":%d,"ranks":%d,"seconds":%.9g}\n'
                % (json.dumps(st["bench"]), st["size"], st["iters"], st["warmup"], p, seconds)
            )
            sys.stdout.flush()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - an uncaught exception would leave the other ranks waiting
        fail("%s: %s" % (type(e).__name__, e))
