// What the benchmarks read from /proc about the processes they measure: the API's primary and its
// workers, their memory and their CPU time. Linux only, like the benchmarks.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times. */
export const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** The process and its children (an API's primary and its workers). */
export function processTree(pid) {
  let children = [];
  try {
    children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  } catch {
    // pgrep exits 1 when there are none
  }
  return [pid, ...children.map(Number)];
}

/** Fields after the command name of a /proc/<pid>/stat line (field 3 is index 0). */
export function statFields(path) {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** user + system ticks of a process (all its threads); 0 once it is gone. */
export function processTicks(pid) {
  try {
    const fields = statFields(`/proc/${pid}/stat`);
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** user + system seconds of these processes. */
export const coreSeconds = (pids) => pids.reduce((sum, pid) => sum + processTicks(pid), 0) / CLOCK_TICKS;

/** Current RSS of a process in MiB; 0 once it is gone. */
export function rssMiB(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  } catch {
    return 0;
  }
}

/** Largest peak (VmHWM) and current (VmRSS) RSS among these processes, in MiB. */
export function processMemory(pids) {
  let hwm = 0;
  let rss = 0;
  for (const pid of pids) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    hwm = Math.max(hwm, Number(/VmHWM:\s+(\d+)/.exec(status)[1]) / 1024);
    rss = Math.max(rss, Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024);
  }
  return { hwm, rss };
}

/** The middle value (the upper one of an even count). */
export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The smallest, middle (as `median`) and largest value. */
export const stats = (values) => ({
  min: Math.min(...values),
  median: median(values),
  max: Math.max(...values),
});

/** The p-th percentile of values sorted ascending (nearest rank). */
export const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
