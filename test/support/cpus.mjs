// Preload (NODE_OPTIONS=--import) that makes os.cpus() report LUNEO_TEST_CPUS CPUs. Artillery runs
// max(1, CPUs - 1) local worker threads, so 2 gives 1 worker and 4 gives 3, as on a 4-core laptop or CI
// runner, whatever the machine the tests run on really has: a 16-core runner would otherwise run 15.
import os from 'node:os';

const reported = Number.parseInt(process.env.LUNEO_TEST_CPUS ?? '', 10);
if (Number.isInteger(reported) && reported > 0) {
  const realCpus = os.cpus;
  os.cpus = () => {
    const cpus = realCpus();
    return Array.from({ length: reported }, (_, i) => cpus[i % cpus.length]);
  };
}
