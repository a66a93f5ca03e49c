/**
 * Imported first by the files in test/integration/3-workers/: the suite
 * they import then runs every Artillery with 3 local worker threads (see
 * TEST_WORKERS in load-run.ts, which reads this when it is loaded).
 */
process.env.LUNEO_TEST_WORKERS = '3';
