const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Orders API versions the way Kubernetes prefers them: GA before beta before alpha, higher
 * numbers first (v2, v1, v1beta2, v1beta1, v1alpha1), then versions of other shapes by name.
 * Negative when `a` is preferred.
 */
export function compareVersionPriority(a: string, b: string): number {
  const ma = KUBE_VERSION.exec(a);
  const mb = KUBE_VERSION.exec(b);
  if (ma && !mb) return -1;
  if (!ma && mb) return 1;
  if (!ma || !mb) return a < b ? -1 : a > b ? 1 : 0;
  const rank = (m: RegExpExecArray): number => (m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0);
  if (rank(ma) !== rank(mb)) return rank(mb) - rank(ma);
  const major = Number(mb[1]) - Number(ma[1]);
  if (major !== 0) return major;
  return Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}
