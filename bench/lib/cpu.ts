/**
 * CPU time of a process tree from /proc (Linux): user + system of the process
 * and of every live descendant, plus what they reaped from exited children.
 * Sampled before and after a phase, the difference is the CPU that tree spent
 * on it: the app server (`next start` and any worker it forks) and PostgreSQL
 * (the postmaster and its backends). Null where /proc is not there.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ): 100 on Linux everywhere in practice. */
const TICKS_PER_SECOND = 100;

interface Stat {
  ppid: number;
  ticks: number;
}

function stat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: split after its last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state): ppid = field 4, utime/stime/cutime/cstime = fields 14–17.
    const n = (field: number) => Number(fields[field - 3]);
    return { ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17) };
  } catch {
    return null;
  }
}

/** CPU milliseconds of `rootPid` and its descendants so far, or null. */
export function treeCpuMs(rootPid: number | undefined): number | null {
  if (!rootPid) return null;
  let pids: number[];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return null;
  }
  const stats = new Map<number, Stat>();
  for (const pid of pids) {
    const s = stat(pid);
    if (s) stats.set(pid, s);
  }
  if (!stats.has(rootPid)) return null;
  const children = new Map<number, number[]>();
  for (const [pid, s] of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  let ticks = 0;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    ticks += stats.get(pid)?.ticks ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** The postmaster's pid of the cluster in `clusterDir` (first line of postmaster.pid), or undefined. */
export function postmasterPid(clusterDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(clusterDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
