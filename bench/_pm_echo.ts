// Worker for the postMessage baseline: echo every message back.
const scope = self as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(m: unknown): void;
};
scope.onmessage = (e: MessageEvent) => scope.postMessage(e.data);
