// Whether a process id is still running (signal 0 probes without killing): the worker tests check a worker is gone.
// Shared by the node:test files and the extension-host suite (bundled by esbuild in test/e2e/run.sh).
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
