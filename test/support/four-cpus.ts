/**
 * Preload for a spawned Artillery (NODE_OPTIONS=--import=<this file>): os.cpus() reports 4, so Artillery runs
 * max(1, 4 - 1) = 3 local workers on a 2-core machine, and tests can prove what must hold across worker threads.
 */
import os from 'node:os';

const real = os.cpus;
os.cpus = () => {
  const cpus = real();
  while (cpus.length < 4) cpus.push(cpus[0]!);
  return cpus;
};
