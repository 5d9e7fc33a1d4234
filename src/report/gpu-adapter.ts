/** The GPU a WebGPU scan ran on, in a few words for the panel's summary line (the report's reason has it in full). */
import type { GpuAdapter } from '../engine/result';

/** " on llvmpipe-llvm-15-0-6-256-bits- (software)"; "" when the scan did not run on WebGPU. */
export function gpuText(a: GpuAdapter | undefined): string {
  if (!a) return '';
  const name = a.device || [a.vendor, a.architecture].filter((s) => s).join(' ') || a.description || 'an unnamed adapter';
  return ` on ${name} (${a.software ? 'software, no GPU' : a.api})`;
}
