export { maxWeightMatching } from './assignment';
export {
  type BoundInput,
  type ClairvoyantBound,
  chainSeconds,
  clairvoyantBound,
  leastCover,
  linkWeight,
  type Slot,
  setupBound,
  slotsOf,
} from './clairvoyant';
