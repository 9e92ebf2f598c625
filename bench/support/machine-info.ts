import { cpus, totalmem } from 'node:os';

/** What the numbers were measured on, for the report. */
export function machineInfo(): { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string } {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}
