import { expect } from 'chai';
import { humanDuration } from '../../../src/domain/table/human-duration.js';

const ms = 1;
const s = 1000 * ms;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe('humanDuration', () => {
  // The boundaries of k8s.io/apimachinery/pkg/util/duration HumanDuration, in milliseconds.
  const cases: Array<[number, string]> = [
    [-2 * s, '<invalid>'],
    [-2 * s + 1, '0s'],
    [-1500, '0s'],
    [-1, '0s'],
    [0, '0s'],
    [s - 1, '0s'],
    [s, '1s'],
    [70 * s, '70s'],
    [2 * m - 1, '119s'],
    [2 * m, '2m'],
    [2 * m + s, '2m1s'],
    [190 * s, '3m10s'],
    [10 * m - 1, '9m59s'],
    [10 * m, '10m'],
    [10 * m + s, '10m'],
    [70 * m, '70m'],
    [3 * h - 1, '179m'],
    [3 * h, '3h'],
    [3 * h + m, '3h1m'],
    [8 * h - 1, '7h59m'],
    [8 * h, '8h'],
    [8 * h + 59 * m, '8h'],
    [47 * h, '47h'],
    [2 * d - 1, '47h'],
    [2 * d, '2d'],
    [2 * d + h, '2d1h'],
    [49 * h, '2d1h'],
    [8 * d - 1, '7d23h'],
    [8 * d, '8d'],
    [8 * d + 23 * h, '8d'],
    [(8 * 24 + 2) * h, '8d'],
    [367 * d, '367d'],
    [2 * y - 1, '729d'],
    [2 * y, '2y'],
    [2 * y + 23 * h + 59 * m, '2y'],
    [2 * y + d - 1, '2y'],
    [2 * y + d, '2y1d'],
    [2 * y + 25 * h, '2y1d'],
    [3 * y, '3y'],
    [7 * y, '7y'],
    [8 * y - 1, '7y364d'],
    [8 * y, '8y'],
    [8 * y + 2 * h, '8y'],
    [8 * y + 364 * d, '8y'],
    [9 * y, '9y'],
  ];
  for (const [input, want] of cases) {
    it(`${input}ms is ${want}`, () => {
      expect(humanDuration(input)).to.equal(want);
    });
  }

  it('is <invalid> for far-future timestamps and non-numbers', () => {
    expect(humanDuration(-5 * m)).to.equal('<invalid>');
    expect(humanDuration(Number.NaN)).to.equal('<invalid>');
    expect(humanDuration(Number.POSITIVE_INFINITY)).to.equal('<invalid>');
    expect(humanDuration(Number.NEGATIVE_INFINITY)).to.equal('<invalid>');
  });

  it('saturates like a Go duration for absurdly old timestamps', () => {
    // 0001-01-01 seen from 2025: Go's time.Since caps at ~292 years.
    expect(humanDuration(Date.UTC(2025, 0, 1) - Date.parse('0001-01-01T00:00:00Z'))).to.equal('292y');
  });

  it('takes fractional milliseconds', () => {
    expect(humanDuration(119_999.9)).to.equal('119s');
    expect(humanDuration(0.5)).to.equal('0s');
  });
});
