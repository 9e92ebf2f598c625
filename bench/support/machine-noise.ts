import { readFileSync } from 'node:fs';

/**
 * How much CPU other processes took while the bench ran. The bench's machine may be shared
 * (other builds and tests on a small VM); ratios hold up under that better than absolute
 * numbers, since both sides of a pair alternate, but a busy machine should be said out loud.
 *
 * Linux only: machine-wide busy time from /proc/stat, the bench's own from /proc/self/stat
 * (itself plus its reaped children: the servers, baselines and etcd it started).
 */
export class MachineNoise {
  private readonly start = sample();

  /** CPU-seconds used by others, and that as a share of the machine over the interval. */
  report(): { otherCpuSeconds: number; otherShare: number; wallSeconds: number } | undefined {
    const end = sample();
    if (!this.start || !end) return undefined;
    const ticks = 100; // USER_HZ on Linux
    const busy = (end.busy - this.start.busy) / ticks;
    const own = (end.own - this.start.own) / ticks;
    const wall = (end.at - this.start.at) / 1000;
    const other = Math.max(0, busy - own);
    return { otherCpuSeconds: other, otherShare: other / (wall * end.cpus), wallSeconds: wall };
  }
}

function sample(): { busy: number; own: number; at: number; cpus: number } | undefined {
  try {
    const stat = readFileSync('/proc/stat', 'utf8');
    const cpu = stat.split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const busy = cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]! + cpu[7]!;
    const cpus = stat.split('\n').filter((l) => /^cpu\d/.test(l)).length;
    // Fields after the command (which may hold spaces): utime is the 14th field overall.
    const self = readFileSync('/proc/self/stat', 'utf8');
    const f = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
    const own = f[11]! + f[12]! + f[13]! + f[14]!;
    return { busy, own, at: performance.now(), cpus };
  } catch {
    return undefined;
  }
}
