import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';

const HAS_PROC = existsSync('/proc/self/stat');

/**
 * Names this process among every process of every host sharing the database: `host:pid:start`,
 * where start is the process's start time since boot (Linux /proc), so that a later process that
 * happens to get the same pid is not mistaken for it. Work a process owns in the database (an
 * upload, a hashing job) is recorded under this name.
 */
export const PROCESS_OWNER = `${hostname()}:${process.pid}:${processStart(process.pid) ?? 0}`;

/**
 * Whether the owner named so is certainly gone: true when it ran on this host and its process is no
 * longer there (or the pid is now another process's); false when it is running here; null when it
 * ran on another host, where only its heartbeat can tell.
 */
export function ownerIsGone(owner: string): boolean | null {
  const parsed = parseOwner(owner);
  if (!parsed || parsed.host !== hostname()) return null;
  const start = processStart(parsed.pid);
  if (start === null) return true;
  return parsed.start !== 0 && start !== parsed.start;
}

/** The pid in an owner name, or null when it is not one. */
export function ownerPid(owner: string): number | null {
  return parseOwner(owner)?.pid ?? null;
}

function parseOwner(owner: string): { host: string; pid: number; start: number } | null {
  const match = /^(.*):(\d+):(\d+)$/.exec(owner);
  return match ? { host: match[1], pid: Number(match[2]), start: Number(match[3]) } : null;
}

/**
 * The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), null when
 * there is no such process. Without /proc, a live process reports 0 (known by pid only).
 */
function processStart(pid: number): number | null {
  if (!HAS_PROC) return isAlive(pid) ? 0 : null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
