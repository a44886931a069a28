import { readFileSync } from 'node:fs';

/**
 * This process's peak resident set size, in MiB. Reads VmHWM from /proc/self/status: on Linux,
 * process.resourceUsage().maxRSS of a spawned child also counts the parent's peak from before the
 * exec (the kernel carries ru_maxrss across execve), which made a child look as big as the test
 * process that owns the store. VmHWM belongs to the new address space only.
 */
export function peakRssMB(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS / 1024;
}
