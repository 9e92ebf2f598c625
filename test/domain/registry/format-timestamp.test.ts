import { expect } from 'chai';
import { formatTimestamp } from '../../../src/domain/registry/object-decoding.js';

describe('registry: formatTimestamp', () => {
  it('writes UTC at second precision, also across second boundaries and back in time', () => {
    expect(formatTimestamp(new Date('2026-11-23T10:00:00.999Z'))).to.equal('2026-11-23T10:00:00Z');
    expect(formatTimestamp(new Date('2026-11-23T10:00:00.000Z'))).to.equal('2026-11-23T10:00:00Z');
    expect(formatTimestamp(new Date('2026-11-23T10:00:01.000Z'))).to.equal('2026-11-23T10:00:01Z');
    expect(formatTimestamp(new Date('2026-11-23T09:59:59.500Z'))).to.equal('2026-11-23T09:59:59Z');
    expect(formatTimestamp(new Date('1969-12-31T23:59:59.500Z'))).to.equal('1969-12-31T23:59:59Z');
    expect(() => formatTimestamp(new Date(Number.NaN))).to.throw(RangeError);
  });
});
