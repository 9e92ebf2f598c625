/** Which member of a test cluster leads, asked of the members themselves. */
import { Etcd3 } from 'etcd3';
import { waitFor } from '../wait-for.js';
import type { EtcdCluster } from './etcd-cluster.js';

/** The index of the member that is the leader now; waits (up to `timeoutMs`) while none is. */
export function leaderIndex(cluster: EtcdCluster, timeoutMs = 10_000): Promise<number> {
  return waitFor(
    async () => {
      for (let i = 0; i < cluster.members.length; i++) {
        if (!cluster.members[i]!.running) continue;
        const client = new Etcd3({ hosts: cluster.endpoints[i]! });
        try {
          const status = await client.maintenance.status({ deadline: Date.now() + 1000 });
          // 1 + the index: a truthy answer for waitFor, also for member 0.
          if (status.leader !== '0' && status.header.member_id === status.leader) return i + 1;
        } catch {
          // Not answering: try the next one.
        } finally {
          client.close();
        }
      }
      return 0;
    },
    { timeoutMs, intervalMs: 100, what: 'a leader' },
  ).then((found) => found - 1);
}
