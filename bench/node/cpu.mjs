// CPU time a process spent, per thread, read from Linux's /proc: what a phase of a benchmark cost
// a node, independent of how many other processes shared the machine's cores meanwhile.
import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ: the unit of /proc's utime and stime, 100 on every Linux this runs on
const TICKS_PER_SECOND = 100;

/** Per thread of `pid`: its name and the CPU seconds it has used so far. Empty off Linux. */
export function threadTimes(pid) {
  const out = new Map();
  let tids = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // the name is in parentheses and may hold spaces: the fields after it are split on spaces
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // fields[11] and [12] are utime and stime (the 14th and 15th of the whole line)
      out.set(Number(tid), { name, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/**
 * CPU seconds `pid` used between two `threadTimes` readings: its main thread (the event loop,
 * whose thread id is the process id) and the rest by thread name (workers, the allocator's and
 * the collector's helpers, libuv's pool).
 */
export function cpuBetween(pid, before, after) {
  let main = 0;
  let total = 0;
  const byName = new Map();
  for (const [tid, t] of after) {
    const used = t.seconds - (before.get(tid)?.seconds ?? 0);
    total += used;
    if (tid === pid) main += used;
    else byName.set(t.name, (byName.get(t.name) ?? 0) + used);
  }
  return { main, total, byName };
}

/** The machine's CPU time so far, in seconds over all its cores: busy (any work), steal (taken by the host for others), all. */
export function machineTimes() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is inside user)
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
    const all = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return {
      busy: (user + nice + system + irq + softirq) / TICKS_PER_SECOND,
      steal: steal / TICKS_PER_SECOND,
      all: all / TICKS_PER_SECOND,
      idle: (idle + iowait) / TICKS_PER_SECOND,
    };
  } catch {
    return { busy: NaN, steal: NaN, all: NaN, idle: NaN };
  }
}

/** Process ids of this process's children whose command is `name` (anvil, which the devnet starts). */
export function childrenNamed(name) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (stat.slice(stat.indexOf('(') + 1, close) === name && ppid === process.pid) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU seconds a whole process has used so far (all its threads). */
export function processSeconds(pid) {
  let s = 0;
  for (const t of threadTimes(pid).values()) s += t.seconds;
  return s;
}
