import type { Config } from '../config/config-schema.js';
import type { ProcessorStore } from '../processor/processor.js';

/**
 * Test-only failure injection (`FAILPOINT`), kept out of the pipeline's own code: the composition
 * root wraps what it hands the processor. `crash-after-store-commit` kills the process (SIGKILL) the
 * moment a store commit resolves, before the processor commits the log's offset: the crash that
 * test/e2e/pipeline.e2e.ts proves counts nothing twice.
 */
export function withFailpoint(
  store: ProcessorStore,
  failpoint: Config['FAILPOINT'],
): ProcessorStore {
  if (failpoint !== 'crash-after-store-commit') return store;
  const crashAfter = async <T>(commit: Promise<T>): Promise<T> => {
    const result = await commit;
    process.kill(process.pid, 'SIGKILL');
    return result;
  };
  const together = store.capabilities.commitTogether;
  return {
    commit: (batch) => crashAfter(store.commit(batch)),
    checkpoint: (partition) => store.checkpoint(partition),
    capabilities: {
      ...store.capabilities,
      commitTogether: together && {
        commitTogether: (batches) => crashAfter(together.commitTogether(batches)),
      },
    },
  };
}
