import { expect } from 'chai';
import { keyFits } from '../../src/catalog/cursor.js';
import { printTimestamp, readTimestamp } from '../../src/search/backend.js';
import { type BreakerState, createBreaker } from '../../src/search/fallback.js';

describe('search breaker', () => {
  const make = () => {
    let clock = 0;
    const moves: BreakerState[] = [];
    const breaker = createBreaker(
      { failures: 3, probeAfterMs: 5_000 },
      { now: () => clock, onChange: (s) => moves.push(s) },
    );
    return { breaker, moves, tick: (ms: number) => (clock += ms) };
  };

  it('opens at the third failure in a row, not at three failures with a success between', () => {
    const { breaker, moves } = make();
    breaker.failed();
    breaker.failed();
    breaker.succeeded();
    breaker.failed();
    breaker.failed();
    expect(breaker.state).to.equal('closed');
    expect(breaker.allow()).to.equal(true);
    breaker.failed();
    expect(breaker.state).to.equal('open');
    expect(breaker.allow()).to.equal(false);
    expect(moves).to.deep.equal(['open']);
  });

  it('lets one probe through after the interval, refusing the rest until it ends', () => {
    const { breaker, tick } = make();
    for (let i = 0; i < 3; i++) breaker.failed();
    tick(4_999);
    expect(breaker.allow()).to.equal(false);
    tick(1);
    expect(breaker.allow()).to.equal(true);
    expect(breaker.state).to.equal('half-open');
    expect(breaker.allow()).to.equal(false);
  });

  it('a probe that succeeds closes it; one that fails opens it for another interval', () => {
    const { breaker, moves, tick } = make();
    for (let i = 0; i < 3; i++) breaker.failed();
    tick(5_000);
    breaker.allow();
    breaker.failed();
    expect(breaker.state).to.equal('open');
    tick(4_000);
    expect(breaker.allow()).to.equal(false);
    tick(1_000);
    expect(breaker.allow()).to.equal(true);
    breaker.succeeded();
    expect(breaker.state).to.equal('closed');
    expect(breaker.allow()).to.equal(true);
    expect(moves).to.deep.equal(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('a probe that never reached the engine (a refused cursor) leaves the probe to the next call', () => {
    const { breaker, tick } = make();
    for (let i = 0; i < 3; i++) breaker.failed();
    tick(5_000);
    expect(breaker.allow()).to.equal(true);
    breaker.untried();
    expect(breaker.state).to.equal('open');
    // Still past the interval: the next call probes.
    expect(breaker.allow()).to.equal(true);
    expect(breaker.state).to.equal('half-open');
  });
});

describe('engine sort keys as PostgreSQL prints timestamps', () => {
  it('prints an epoch-ms sort value in a form the cursor check accepts, and reads it back', () => {
    const ms = Date.UTC(2026, 0, 10, 12, 30, 5, 123);
    const key = printTimestamp(ms);
    expect(key).to.equal('2026-01-10 12:30:05.123+00');
    expect(keyFits('timestamptz', key)).to.equal(true);
    expect(readTimestamp(key)).to.equal(ms);
  });

  it("reads PostgreSQL's own keys: no fraction, microseconds (dropped below the ms), offsets", () => {
    const noon = Date.UTC(2026, 0, 10, 12);
    for (const [key, ms] of [
      ['2026-01-10 12:00:00+00', noon],
      ['2026-01-10 12:00:00.123456+00', noon + 123],
      ['2026-01-10 12:00:00.5+00', noon + 500],
      ['2026-01-10 14:00:00+02', noon],
      ['2026-01-10 06:30:00-05:30', noon],
      ['2026-01-10 12:00:30+00:00:30', noon],
    ] as const) {
      expect(keyFits('timestamptz', key), key).to.equal(true);
      expect(readTimestamp(key), key).to.equal(ms);
    }
    // Years 0-99 are themselves, not 1900-1999.
    expect(new Date(readTimestamp('0099-03-01 00:00:00+00')).getUTCFullYear()).to.equal(99);
  });
});
