// The manual clock ships with the package (apiserver-kit/testing); tests import it from here.
export { ManualClock } from '../../src/testing/manual-clock.js';
