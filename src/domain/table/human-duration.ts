/**
 * Ages as `kubectl get` prints them: two or three significant figures, the same rules as
 * Kubernetes' `HumanDuration` in k8s.io/apimachinery/pkg/util/duration, so that a table from
 * this kit reads exactly like one from a real API server.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

// Go's time.Duration is an int64 of nanoseconds and time.Since saturates at its bounds, so an
// absurdly old timestamp prints as ~292 years there. Clamping keeps the two in step.
const GO_DURATION_LIMIT_MS = 9_223_372_036_854.775;

/**
 * Renders a duration given in milliseconds the way Kubernetes renders ages:
 *
 * - under 2 minutes: whole seconds (`0s` … `119s`);
 * - under 10 minutes: minutes and seconds (`2m`, `3m10s`);
 * - under 3 hours: minutes (`10m` … `179m`);
 * - under 8 hours: hours and minutes (`3h`, `7h59m`);
 * - under 2 days: hours (`8h` … `47h`);
 * - under 8 days: days and hours (`2d`, `7d23h`);
 * - under 2 years: days (`8d` … `729d`);
 * - under 8 years: years and days (`2y`, `7y364d`); then years (`8y`).
 *
 * Units always truncate, never round. A duration of up to 2 seconds in the negative (clock skew
 * between machines, a timestamp a moment in the future) is `0s`; anything further in the
 * negative is `<invalid>`, and so is a value that is not a finite number.
 */
export function humanDuration(ms: number): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '<invalid>';
  const d = Math.max(-GO_DURATION_LIMIT_MS, Math.min(GO_DURATION_LIMIT_MS, ms));

  // Truncation toward zero matters here: -1.9s counts as -1 and is still "almost now".
  const seconds = Math.trunc(d / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 2 * 60) return `${Math.max(0, seconds)}s`;

  const minutes = Math.floor(d / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 3 * 60) return `${minutes}m`;

  const hours = Math.floor(d / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;

  const days = Math.floor(hours / 24);
  if (hours < 8 * 24) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 2 * 365 * 24) return `${days}d`;

  const years = Math.floor(days / 365);
  if (hours < 8 * 365 * 24) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}
