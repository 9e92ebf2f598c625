// Waiting helpers ship with the package (apiserver-kit/testing); tests import them from here.
export * from '../../src/testing/wait-for.js';
