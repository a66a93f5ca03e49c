// The metrics-export tests again with 3 local Artillery workers: their numbers depend on the workers, and totals must hold over all of them.
import '../../support/three-workers.ts';
import '../metrics-export.test.ts';
