import { createMemoryStateStore } from '../../lib/state/memory';
import { describeStateStoreContract } from './contract';

describeStateStoreContract('memory', () => {
  const store = createMemoryStateStore();
  return { open: () => store, runs: 100 };
});
