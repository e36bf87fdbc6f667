// Worker for the postMessage baseline: echo every message back.
self.onmessage = (e: MessageEvent) => self.postMessage(e.data);
