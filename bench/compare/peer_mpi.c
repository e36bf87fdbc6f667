/*
 * peer_mpi.c — the C MPI peer of `deno task compare` (issue 10).
 *
 * Runs the steps of a plan file with plain MPI-3 calls and prints, on rank 0,
 * one JSON line per step. The protocol (what one timed iteration is, what
 * `seconds` means) is defined in bench/compare/plan.ts; this file follows it
 * exactly:
 *
 *   latency    rank 0 sends S bytes to rank 1, which sends them back;
 *              seconds = half the round trip
 *   bw         rank 0 posts 64 MPI_Isend, rank 1 64 MPI_Irecv, MPI_Waitall,
 *              then rank 1 sends a 4-byte acknowledgement; seconds = a window
 *   bibw       both ranks post 64 MPI_Irecv and 64 MPI_Isend, MPI_Waitall;
 *              seconds = a window each way
 *   barrier, bcast, gather, allgather, alltoall (MPI_BYTE),
 *   reduce, allreduce (MPI_SUM of max(1, S/8) MPI_DOUBLE); seconds = a call
 *
 * Point-to-point benches use ranks 0 and 1; other ranks only pass through the
 * barriers that separate the steps. Buffers are allocated once per step and
 * reused. After `warmup` untimed iterations and a barrier, rank 0 times
 * `iters` iterations with MPI_Wtime in 5 consecutive slices and reports the
 * median slice's time per iteration (plan.ts).
 *
 * Build and run:
 *   mpicc -O2 -o peer_mpi peer_mpi.c
 *   mpiexec -n N ./peer_mpi PLANFILE
 *
 * PLANFILE is JSON of exactly this shape (key order free, whitespace free):
 *   {"ranks": N, "steps": [{"bench":"latency","size":1,"iters":100,"warmup":10}, ...]}
 * Output, one line per step, on stdout of rank 0:
 *   {"bench":"latency","size":1,"iters":100,"warmup":10,"ranks":2,"seconds":4.5e-07}
 * Errors go to stderr and end the job with a non-zero status.
 */

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MPICH defines MPI_STATUSES_IGNORE as (MPI_Status *)1, which GCC's
 * -Wstringop-overflow (on by default) mistakes for a zero-sized array. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif

/* Messages per window in bw and bibw (plan.ts WINDOW). */
#define WINDOW 64

/* Message tags. */
#define TAG_DATA 1
#define TAG_ACK 2

/* ---------------------------------------------------------------------------
 * Plan file: a tiny JSON reader for exactly the shape above.
 * ------------------------------------------------------------------------- */

typedef struct {
  char bench[16];
  long long size;
  long long iters;
  long long warmup;
} Step;

typedef struct {
  long long ranks;
  Step *steps;
  int nsteps;
} Plan;

/* Parser state: the text and the reading position. */
typedef struct {
  const char *s;
  size_t i;
  const char *path;
} Reader;

static int my_rank = 0;

/* Reports an error (one write, so ranks' lines do not interleave) and ends the whole job. */
static void die(const char *msg) {
  char line[512];
  snprintf(line, sizeof line, "peer_mpi: rank %d: %s\n", my_rank, msg);
  fputs(line, stderr);
  fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 2);
  exit(2);
}

static void fail(const char *fmt, const char *a, const char *b) {
  char msg[400];
  snprintf(msg, sizeof msg, fmt, a, b);
  die(msg);
}

static void syntax(Reader *r, const char *what) {
  char msg[400], at[32];
  size_t k;
  /* What follows the position, on one line. */
  for (k = 0; k + 1 < sizeof at && r->s[r->i + k]; k++) at[k] = (unsigned char)r->s[r->i + k] < ' ' ? ' ' : r->s[r->i + k];
  at[k] = 0;
  snprintf(msg, sizeof msg, "%s: expected %s at byte %zu (\"%s\")", r->path, what, r->i, at);
  die(msg);
}

static void skip_ws(Reader *r) {
  while (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' || r->s[r->i] == '\r') r->i++;
}

/* Consumes character c (after whitespace) or fails. */
static void expect(Reader *r, char c) {
  char what[4] = {'\'', c, '\'', 0};
  skip_ws(r);
  if (r->s[r->i] != c) syntax(r, what);
  r->i++;
}

/* Consumes character c if it is next (after whitespace); returns whether it was. */
static int accept(Reader *r, char c) {
  skip_ws(r);
  if (r->s[r->i] != c) return 0;
  r->i++;
  return 1;
}

/* Reads a string into out (truncated to cap-1 bytes); escapes are kept as the escaped char. */
static void read_string(Reader *r, char *out, size_t cap) {
  size_t n = 0;
  expect(r, '"');
  for (;;) {
    char c = r->s[r->i];
    if (c == 0) syntax(r, "end of string");
    r->i++;
    if (c == '"') break;
    if (c == '\\') {
      c = r->s[r->i];
      if (c == 0) syntax(r, "escaped character");
      r->i++;
    }
    if (n + 1 < cap) out[n++] = c;
  }
  out[n] = 0;
}

/* Reads a non-negative integer (a JSON number without fraction; "1e3"-style exponents are accepted if integral). */
static long long read_int(Reader *r) {
  char *end;
  double v;
  skip_ws(r);
  v = strtod(r->s + r->i, &end);
  if (end == r->s + r->i) syntax(r, "a number");
  if (v < 0 || v != (double)(long long)v) syntax(r, "a non-negative integer");
  r->i = (size_t)(end - r->s);
  return (long long)v;
}

/* Skips any JSON value (for keys this peer does not know). */
static void skip_value(Reader *r) {
  char tmp[2];
  skip_ws(r);
  switch (r->s[r->i]) {
    case '"':
      read_string(r, tmp, sizeof tmp);
      return;
    case '{':
      r->i++;
      if (accept(r, '}')) return;
      do {
        read_string(r, tmp, sizeof tmp);
        expect(r, ':');
        skip_value(r);
      } while (accept(r, ','));
      expect(r, '}');
      return;
    case '[':
      r->i++;
      if (accept(r, ']')) return;
      do skip_value(r);
      while (accept(r, ','));
      expect(r, ']');
      return;
    default:
      /* number, true, false, null */
      if (!strchr("-0123456789tfn", r->s[r->i]) || r->s[r->i] == 0) syntax(r, "a value");
      while (r->s[r->i] && !strchr(",]} \t\r\n", r->s[r->i])) r->i++;
  }
}

static int known_bench(const char *b) {
  static const char *names[] = {"latency", "bw", "bibw", "barrier", "bcast", "reduce", "allreduce", "gather", "allgather", "alltoall"};
  size_t i;
  for (i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(b, names[i]) == 0) return 1;
  return 0;
}

static void read_step(Reader *r, Step *st) {
  char key[32];
  int have_bench = 0, have_size = 0, have_iters = 0, have_warmup = 0;
  memset(st, 0, sizeof *st);
  expect(r, '{');
  if (!accept(r, '}')) {
    do {
      read_string(r, key, sizeof key);
      expect(r, ':');
      if (strcmp(key, "bench") == 0) read_string(r, st->bench, sizeof st->bench), have_bench = 1;
      else if (strcmp(key, "size") == 0) st->size = read_int(r), have_size = 1;
      else if (strcmp(key, "iters") == 0) st->iters = read_int(r), have_iters = 1;
      else if (strcmp(key, "warmup") == 0) st->warmup = read_int(r), have_warmup = 1;
      else skip_value(r);
    } while (accept(r, ','));
    expect(r, '}');
  }
  if (!have_bench || !have_size || !have_iters || !have_warmup) {
    syntax(r, "a step with bench, size, iters and warmup");
  }
  if (st->iters < 1) syntax(r, "iters >= 1");
  if (!known_bench(st->bench)) syntax(r, "a known bench (latency, bw, bibw, barrier, bcast, reduce, allreduce, gather, allgather, alltoall)");
}

static Plan read_plan(const char *path) {
  Plan plan = {0, NULL, 0};
  Reader r = {NULL, 0, path};
  char key[32];
  int cap = 0, have_ranks = 0, have_steps = 0;
  FILE *f = fopen(path, "rb");
  long len;
  char *text;
  if (!f) fail("cannot open plan file %s%s", path, "");
  fseek(f, 0, SEEK_END);
  len = ftell(f);
  fseek(f, 0, SEEK_SET);
  text = malloc((size_t)len + 1);
  if (!text || fread(text, 1, (size_t)len, f) != (size_t)len) fail("cannot read plan file %s%s", path, "");
  text[len] = 0;
  fclose(f);
  r.s = text;

  expect(&r, '{');
  if (!accept(&r, '}')) {
    do {
      read_string(&r, key, sizeof key);
      expect(&r, ':');
      if (strcmp(key, "ranks") == 0) {
        plan.ranks = read_int(&r);
        have_ranks = 1;
      } else if (strcmp(key, "steps") == 0) {
        have_steps = 1;
        expect(&r, '[');
        if (!accept(&r, ']')) {
          do {
            if (plan.nsteps == cap) {
              cap = cap ? 2 * cap : 64;
              plan.steps = realloc(plan.steps, (size_t)cap * sizeof(Step));
              if (!plan.steps) fail("out of memory reading %s%s", path, "");
            }
            read_step(&r, &plan.steps[plan.nsteps++]);
          } while (accept(&r, ','));
          expect(&r, ']');
        }
      } else {
        skip_value(&r);
      }
    } while (accept(&r, ','));
    expect(&r, '}');
  }
  skip_ws(&r);
  if (r.s[r.i] != 0) syntax(&r, "end of file");
  if (!have_ranks || !have_steps) syntax(&r, "an object with ranks and steps");
  free(text);
  return plan;
}

/* ---------------------------------------------------------------------------
 * Benches. Each returns rank 0's seconds per timed iteration (0 elsewhere).
 * ------------------------------------------------------------------------- */

/* Allocates n bytes (at least 1) and touches them once. */
static void *alloc(size_t n, const char *bench) {
  char *p = malloc(n ? n : 1);
  if (!p) {
    char sz[32];
    snprintf(sz, sizeof sz, "%zu", n);
    fail("%s: cannot allocate %s bytes", bench, sz);
  }
  memset(p, 1, n ? n : 1);
  return p;
}

/* The median of n doubles (sorts them). */
static double median(double *v, int n) {
  for (int i = 1; i < n; i++) {
    double x = v[i];
    int j = i - 1;
    while (j >= 0 && v[j] > x) { v[j + 1] = v[j]; j--; }
    v[j + 1] = x;
  }
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Runs warmup untimed iterations of body, a barrier, then iters timed ones in SLICES consecutive slices;
   expands to rank 0's median seconds per iteration over the slices (plan.ts). */
#define SLICES 5
#define TIMED(st, body)                                                         \
  do {                                                                          \
    long long it_, n_, k_ = (st)->iters < SLICES ? (st)->iters : SLICES;        \
    double t0_, per_[SLICES];                                                   \
    for (it_ = 0; it_ < (st)->warmup; it_++) { body; }                          \
    MPI_Barrier(MPI_COMM_WORLD);                                                \
    for (long long s_ = 0; s_ < k_; s_++) {                                     \
      n_ = (st)->iters / k_ + (s_ == k_ - 1 ? (st)->iters % k_ : 0);            \
      t0_ = MPI_Wtime();                                                        \
      for (it_ = 0; it_ < n_; it_++) { body; }                                  \
      per_[s_] = (MPI_Wtime() - t0_) / (double)n_;                              \
    }                                                                           \
    seconds = median(per_, (int)k_);                                            \
  } while (0)

static double run_step(const Step *st, int rank, int p) {
  const char *b = st->bench;
  size_t S = (size_t)st->size;
  double seconds = 0;
  MPI_Comm w = MPI_COMM_WORLD;

  if (strcmp(b, "latency") == 0 || strcmp(b, "bw") == 0 || strcmp(b, "bibw") == 0) {
    /* Point to point: ranks 0 and 1 only; the others just pass the barrier inside TIMED. */
    int peer = 1 - rank;
    int active = rank < 2;
    char *s = NULL, *r = NULL;
    char ack[4] = {0, 0, 0, 0};
    MPI_Request req[2 * WINDOW];
    int k;
    if (p < 2) fail("%s needs at least 2 ranks%s", b, "");
    if (S > (size_t)0x7fffffff) fail("%s: size too large%s", b, "");
    if (active) {
      s = alloc(S, b);
      r = alloc(S, b);
    }
    if (strcmp(b, "latency") == 0) {
      TIMED(st, if (rank == 0) {
        MPI_Send(s, (int)S, MPI_BYTE, 1, TAG_DATA, w);
        MPI_Recv(r, (int)S, MPI_BYTE, 1, TAG_DATA, w, MPI_STATUS_IGNORE);
      } else if (rank == 1) {
        MPI_Recv(r, (int)S, MPI_BYTE, 0, TAG_DATA, w, MPI_STATUS_IGNORE);
        MPI_Send(s, (int)S, MPI_BYTE, 0, TAG_DATA, w);
      });
      seconds /= 2; /* half the round trip */
    } else if (strcmp(b, "bw") == 0) {
      TIMED(st, if (rank == 0) {
        for (k = 0; k < WINDOW; k++) MPI_Isend(s, (int)S, MPI_BYTE, 1, TAG_DATA, w, &req[k]);
        MPI_Waitall(WINDOW, req, MPI_STATUSES_IGNORE);
        MPI_Recv(ack, 4, MPI_BYTE, 1, TAG_ACK, w, MPI_STATUS_IGNORE);
      } else if (rank == 1) {
        for (k = 0; k < WINDOW; k++) MPI_Irecv(r, (int)S, MPI_BYTE, 0, TAG_DATA, w, &req[k]);
        MPI_Waitall(WINDOW, req, MPI_STATUSES_IGNORE);
        MPI_Send(ack, 4, MPI_BYTE, 0, TAG_ACK, w);
      });
    } else {
      TIMED(st, if (active) {
        for (k = 0; k < WINDOW; k++) MPI_Irecv(r, (int)S, MPI_BYTE, peer, TAG_DATA, w, &req[k]);
        for (k = 0; k < WINDOW; k++) MPI_Isend(s, (int)S, MPI_BYTE, peer, TAG_DATA, w, &req[WINDOW + k]);
        MPI_Waitall(2 * WINDOW, req, MPI_STATUSES_IGNORE);
      });
    }
    free(s);
    free(r);
  } else if (strcmp(b, "barrier") == 0) {
    TIMED(st, MPI_Barrier(w));
  } else if (strcmp(b, "bcast") == 0) {
    char *buf;
    if (S > (size_t)0x7fffffff) fail("%s: size too large%s", b, "");
    buf = alloc(S, b);
    TIMED(st, MPI_Bcast(buf, (int)S, MPI_BYTE, 0, w));
    free(buf);
  } else if (strcmp(b, "reduce") == 0 || strcmp(b, "allreduce") == 0) {
    size_t n = S / 8 > 0 ? S / 8 : 1;
    double *s, *r;
    size_t i;
    if (n > (size_t)0x7fffffff) fail("%s: size too large%s", b, "");
    s = alloc(n * sizeof(double), b);
    r = alloc(n * sizeof(double), b);
    for (i = 0; i < n; i++) s[i] = 1.0; /* finite values: no NaN/denormal slow paths */
    if (strcmp(b, "reduce") == 0) TIMED(st, MPI_Reduce(s, r, (int)n, MPI_DOUBLE, MPI_SUM, 0, w));
    else TIMED(st, MPI_Allreduce(s, r, (int)n, MPI_DOUBLE, MPI_SUM, w));
    free(s);
    free(r);
  } else if (strcmp(b, "gather") == 0 || strcmp(b, "allgather") == 0 || strcmp(b, "alltoall") == 0) {
    int all = strcmp(b, "gather") != 0;
    int a2a = strcmp(b, "alltoall") == 0;
    char *s, *r;
    if (S > (size_t)0x7fffffff) fail("%s: size too large%s", b, "");
    /* Receive buffers hold p·S; gather needs one on rank 0 only. */
    s = alloc(a2a ? (size_t)p * S : S, b);
    r = (all || rank == 0) ? alloc((size_t)p * S, b) : NULL;
    if (a2a) TIMED(st, MPI_Alltoall(s, (int)S, MPI_BYTE, r, (int)S, MPI_BYTE, w));
    else if (all) TIMED(st, MPI_Allgather(s, (int)S, MPI_BYTE, r, (int)S, MPI_BYTE, w));
    else TIMED(st, MPI_Gather(s, (int)S, MPI_BYTE, r, (int)S, MPI_BYTE, 0, w));
    free(s);
    free(r);
  } else {
    fail("unknown bench \"%s\"%s", b, "");
  }
  return seconds;
}

int main(int argc, char **argv) {
  int rank, p, i;
  Plan plan;

  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &p);
  my_rank = rank;
  if (argc != 2) fail("usage: mpiexec -n N peer_mpi PLANFILE%s%s", "", "");
  plan = read_plan(argv[1]);
  if (plan.ranks != p) {
    char n[64];
    snprintf(n, sizeof n, "%lld ranks but the job has %d", plan.ranks, p);
    fail("plan %s is for %s", argv[1], n);
  }

  for (i = 0; i < plan.nsteps; i++) {
    const Step *st = &plan.steps[i];
    double seconds;
    MPI_Barrier(MPI_COMM_WORLD); /* steps do not overlap */
    seconds = run_step(st, rank, p);
    if (rank == 0) {
      printf("{\"bench\":\"%s\",\"size\":%lld,\"iters\":%lld,\"warmup\":%lld,\"ranks\":%d,\"seconds\":%.9g}\n",
             st->bench, st->size, st->iters, st->warmup, p, seconds);
      fflush(stdout);
    }
  }

  free(plan.steps);
  MPI_Finalize();
  return 0;
}
