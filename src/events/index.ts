/**
 * Public API of src/events: how Burrow reads its event log (event kinds, item states, signal
 * strength, what counts as a positive). TF.js-free and store-free, so the UI, the worker, the
 * store, eval, ranking and packs can all use it.
 */
export {
  AUTO_TRAIN_AFTER,
  EVENT_KINDS,
  EVENT_STRENGTH,
  POSITIVE_STRENGTH,
  RATING_STRENGTH,
  deriveItemStates,
  isJudged,
  isPositive,
  isPositiveRating,
  isPositiveStrength,
  likeMoments,
  shouldAutoTrain,
  signalStrength,
  withEvent,
  type EventKind,
  type EventLike,
  type ItemState,
  type LikeMoment,
  type TimedSignal,
} from './signals';
