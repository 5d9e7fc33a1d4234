/**
 * Stand-in for the VS Code webview API (acquireVsCodeApi) — a mock, because the real one only exists inside VS
 * Code's webview host (the end-to-end test in test/e2e covers that). It records posted messages and state.
 */
const posted: unknown[] = [];
let state: unknown;
(globalThis as Record<string, unknown>).acquireVsCodeApi = () => ({
  postMessage: (m: unknown) => posted.push(m),
  getState: () => state,
  setState: (s: unknown) => {
    state = s;
  },
});
(globalThis as Record<string, unknown>).__posted = posted;
(globalThis as Record<string, unknown>).__state = () => state;
