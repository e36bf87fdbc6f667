// The trace writers (issue 13): the Perfetto/Chrome JSON (trace/json.ts),
// the SVG timeline (trace/svg.ts) and `deno task trace` (trace/main.ts), on
// synthetic traces of 2, 7 and 64 ranks, up to 10^5 events.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { callCode } from "../transport/calls.ts";
import type { RankTrace } from "../transport/trace.ts";
import { readTraceJson, traceJsonText, writeTraceJson } from "../trace/json.ts";
import { renderTraceSvg } from "../trace/svg.ts";
import { gatherTrace, ringTrace } from "./_trace_synth.ts";

type Ev = Record<string, any>;

/** Checks the trace-event JSON `text` of `size` ranks; returns its events. */
function checkJson(text: string, size: number, messages: number): Ev[] {
  const doc = JSON.parse(text);
  equal(doc.displayTimeUnit, "ns");
  const evs: Ev[] = doc.traceEvents;
  ok(Array.isArray(evs));
  const meta = evs.filter((e) => e.ph === "M");
  equal(meta.filter((e) => e.name === "process_name").length, 1);
  const threads = meta.filter((e) => e.name === "thread_name");
  deepEqual(threads.map((e) => e.args.name), Array.from({ length: size }, (_, r) => `rank ${r}`));
  equal(new Set(threads.map((e) => e.tid)).size, size);
  equal(meta.filter((e) => e.name === "thread_sort_index").length, size);
  const pids = new Set(evs.map((e) => e.pid));
  equal(pids.size, 1, "one process for the job");
  const timed = evs.filter((e) => e.ph !== "M");
  for (let i = 1; i < timed.length; i++) ok(timed[i - 1].ts <= timed[i].ts, `events sorted by time at ${i}`);

  // Bind flows as Perfetto's JSON importer does: times are µs × 1000 truncated to ns; a slice is pushed on its
  // thread's stack when it begins, after popping those that ended; a flow binds to the top of the stack as it is.
  const stacks = new Map<number, { t0: number; t1: number; cat: string }[]>();
  const boundTo = new Map<Ev, { t0: number; t1: number; cat: string }>();
  for (const e of timed) {
    const t = Math.trunc(e.ts * 1000);
    const stack = stacks.get(e.tid) ?? stacks.set(e.tid, []).get(e.tid)!;
    if (e.ph === "X" || (e.ph === "i" && e.s === "t")) {
      if (e.ph === "X") ok(e.dur > 0 && typeof e.name === "string" && (e.cat === "spmd" || e.cat === "region"));
      while (stack.length > 0 && stack[stack.length - 1].t1 <= t) stack.pop();
      if (stack.length > 0) ok(t + Math.trunc((e.dur ?? 0) * 1000) <= stack[stack.length - 1].t1 + 2, "slices nest");
      stack.push({ t0: t, t1: t + Math.trunc((e.dur ?? 0) * 1000), cat: e.cat });
    } else if (e.ph === "s" || e.ph === "f") {
      const top = stack[stack.length - 1];
      ok(
        top !== undefined && top.t0 <= t && t < top.t1,
        `flow "${e.ph}" ${e.id} at ${e.ts} binds to a slice around it`,
      );
      equal(top.cat, "spmd", `flow "${e.ph}" ${e.id} binds to a call`);
      boundTo.set(e, top);
    }
  }
  const starts = new Map<number, Ev>();
  const ends = new Map<number, Ev>();
  for (const e of timed) {
    if (e.ph !== "s" && e.ph !== "f") continue;
    const map = e.ph === "s" ? starts : ends;
    ok(!map.has(e.id), `flow id ${e.id} used twice for "${e.ph}"`);
    map.set(e.id, e);
    if (e.ph === "f") equal(e.bp, "e");
  }
  equal(starts.size, messages);
  deepEqual([...starts.keys()].sort(), [...ends.keys()].sort());
  for (const [id, s] of starts) ok(s.ts <= ends.get(id)!.ts, `flow ${id} goes forward in time`);
  return evs;
}

/** Checks that `svg` is well-formed XML: tags balance, attributes quoted, `&` only in entities. */
function checkXml(svg: string): void {
  const body = svg.replace(/^<\?xml[^?]*\?>\s*/, "");
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < body.length) {
    const lt = body.indexOf("<", i);
    const text = body.slice(i, lt < 0 ? body.length : lt);
    match(text.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, ""), /^[^&>]*$/, `bad text near ${i}: ${text.slice(0, 80)}`);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(body);
    ok(m !== null, `malformed tag at ${lt}: ${body.slice(lt, lt + 80)}`);
    ok(!/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(m[3]), `bad & in attributes: ${m[0]}`);
    if (m[1] === "/") equal(stack.pop(), m[2], `closing </${m[2]}> at ${lt}`);
    else if (m[4] !== "/") stack.push(m[2]);
    i = tag.lastIndex;
  }
  deepEqual(stack, [], "every tag closed");
  ok(body.startsWith("<svg"), "root is <svg>");
}

const count = (ranks: RankTrace[], type: string): number =>
  ranks.reduce((n, r) => n + r.events.filter((e) => e.type === type).length, 0);

Deno.test("trace json: 2 ranks, flows inside their calls, metadata, read back exactly", () => {
  const ranks = ringTrace(2, 200);
  const job = { program: "file:///work/ring.ts", size: 2 };
  const text = traceJsonText(job, ranks);
  const evs = checkJson(text, 2, count(ranks, "send"));
  equal(evs.find((e) => e.name === "process_name")!.args.name, "ring.ts");
  const x = evs.find((e) => e.ph === "X" && e.name === "sendrecv")!;
  deepEqual(Object.keys(x.args).sort(), ["bytes", "comm", "peer", "tag"]);
  ok(evs.some((e) => e.ph === "X" && e.cat === "region" && e.name === "compute"));
  const back = readTraceJson(text);
  deepEqual(back.ranks, ranks);
  deepEqual(back.job, job);
});

Deno.test("trace json: 7-rank gather: every message of the gather to rank 6 is a flow", () => {
  const ranks = gatherTrace(7);
  const evs = checkJson(traceJsonText({ program: "matrix_gather.ts", size: 7 }, ranks), 7, 6);
  const to6 = evs.filter((e) => e.ph === "f");
  ok(to6.every((e) => e.tid === 1006));
  const gather = evs.filter((e) => e.ph === "X" && e.name === "gather");
  equal(gather.length, 7);
  ok(gather.every((e) => e.args.root === 6 && e.args.comm === 0));
});

Deno.test("trace json: failed job, dropped events, a send whose call was never recorded, written atomically", () => {
  const ranks = gatherTrace(3);
  // Rank 0 failed inside a second gather: its send is recorded, the call is not.
  const t = 2000;
  ranks[0].events.push({ type: "send", start: t, end: t, a: 2, b: 1, tag: 6, context: 1, bytes: 8 });
  ranks[2].events.push({ type: "recv", start: t + 1, end: t + 1, a: 0, b: 1, tag: 6, context: 1, bytes: 8 });
  ranks[2].events.push({
    type: "call",
    start: t - 5,
    end: t + 3,
    a: callCode("gather"),
    b: 2,
    tag: -1,
    context: 1,
    bytes: 8,
  });
  // A message taken inside rank 2's region "print" but outside any call (its call was dropped).
  const print = ranks[2].events.find((e) => e.type === "region" && e.a === 1)!;
  ranks[1].events.push({
    type: "send",
    start: print.start + 2,
    end: print.start + 2,
    a: 2,
    b: 1,
    tag: 5,
    context: 0,
    bytes: 4,
  });
  ranks[2].events.push({
    type: "recv",
    start: print.start + 9,
    end: print.start + 9,
    a: 1,
    b: 1,
    tag: 5,
    context: 0,
    bytes: 4,
  });
  ranks[1].dropped = 1234;
  const dir = Deno.makeTempDirSync();
  try {
    const path = join(dir, "t.json");
    const failed = 'rank 0 failed: Error: boom <&> "quoted"\n    at main.ts:1';
    writeTraceJson(path, { program: "x.ts", size: 3, failed }, ranks);
    deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["t.json"], "no temporary file left");
    const text = Deno.readTextFileSync(path);
    ok(text.trimEnd().endsWith("}"));
    const evs = checkJson(text, 3, 4);
    const doc = JSON.parse(text);
    equal(doc.otherData.failed, failed);
    deepEqual(doc.otherData.dropped, [0, 1234, 0]);
    ok(evs.some((e) => e.ph === "i" && e.tid === 1001 && /1234 older events dropped/.test(e.name)));
    ok(evs.some((e) => e.ph === "i" && e.s === "g" && e.name === "job failed"));
    ok(evs.some((e) => e.ph === "X" && e.tid === 1000 && e.name === "send" && /not recorded/.test(e.args.note)));
    ok(evs.some((e) => e.ph === "X" && e.tid === 1002 && e.name === "recv" && /not recorded/.test(e.args.note)));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("trace json: 64 ranks, 10^5 events", () => {
  const ranks = ringTrace(64, 100_000);
  const total = ranks.reduce((n, r) => n + r.events.length, 0);
  ok(total >= 95_000, `${total} events`);
  checkJson(traceJsonText({ program: "ring.ts", size: 64 }, ranks), 64, count(ranks, "send"));
});

Deno.test("trace svg: 7-rank gather: rows, axis, arrows, legend, regions; well-formed", () => {
  const svg = renderTraceSvg({ program: "examples/matrix_gather.ts", size: 7 }, gatherTrace(7));
  checkXml(svg);
  for (let r = 0; r < 7; r++) ok(svg.includes(`id="rank-${r}"`) && svg.includes(`>rank ${r}</text>`));
  match(svg, /class="axis"/);
  match(svg, />0 µs<\/text>/);
  equal(svg.match(/<line [^>]*class="mc"/g)?.length, 6, "6 arrows into the root");
  match(svg, /matrix_gather\.ts: 7 ranks/);
  match(svg, /region &quot;compute&quot;/);
  match(svg, /collective \(bcast, gather/);
  ok(!svg.includes("messages drawn"), "all drawn: no note");
  ok(!svg.includes("busy marks"));
});

Deno.test("trace svg: names are escaped; failure and lost events are shown", () => {
  const ranks = gatherTrace(2);
  ranks[0].names = ["<b>&\"'\u0001"];
  ranks[1].dropped = 5;
  const svg = renderTraceSvg({ program: "a<b>&c.ts", size: 3, failed: "rank 1 failed: <oops> & more" }, ranks);
  checkXml(svg);
  match(svg, /a&lt;b&gt;&amp;c\.ts: 3 ranks/);
  match(svg, /failed: rank 1 failed: &lt;oops&gt; &amp; more/);
  match(svg, /rank 1 \(5\)/);
  match(svg, /not traced/, "rank 2 has no trace");
});

Deno.test("trace svg: 64 ranks, 10^5 events: aggregated, and says so", () => {
  const ranks = ringTrace(64, 100_000);
  const n = count(ranks, "send");
  const svg = renderTraceSvg({ program: "ring.ts", size: 64 }, ranks);
  checkXml(svg);
  for (let r = 0; r < 64; r++) ok(svg.includes(`id="rank-${r}"`));
  match(svg, /calls shorter than a pixel are drawn merged into \d+ grey busy marks/);
  match(svg, new RegExp(`400 of ${n} messages drawn`));
  equal(svg.match(/<line [^>]*class="m"/g)?.length, 400);
  ok(svg.length < 6_000_000, `${svg.length} bytes`);
});

Deno.test("trace task: deno task trace FILE.json writes FILE.svg beside it", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const ranks = gatherTrace(4);
    const job = { program: "g.ts", size: 4 };
    const path = join(dir, "run.json");
    writeTraceJson(path, job, ranks);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "trace", path],
      cwd: new URL("..", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output();
    equal(out.code, 0, new TextDecoder().decode(out.stderr));
    equal(Deno.readTextFileSync(join(dir, "run.svg")), renderTraceSvg(job, ranks));
    Deno.writeTextFileSync(join(dir, "bad.json"), '{"traceEvents":[]}');
    const bad = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../trace/main.ts", import.meta.url).pathname, join(dir, "bad.json")],
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output();
    equal(bad.code, 1);
    match(new TextDecoder().decode(bad.stderr), /written by spmd --trace/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
