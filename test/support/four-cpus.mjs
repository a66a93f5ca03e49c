// Preload (NODE_OPTIONS=--import) that makes os.cpus() report 4 CPUs: Artillery then runs max(1, 4 - 1) = 3 local
// worker threads, as on a 4-core laptop or CI runner. The tests use it to pass with 3 workers on any machine.
import os from 'node:os';

const realCpus = os.cpus;
os.cpus = () => {
  const cpus = realCpus();
  return Array.from({ length: 4 }, (_, i) => cpus[i % cpus.length]);
};
