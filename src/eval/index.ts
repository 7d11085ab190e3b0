/** Public API of the offline evaluation (metrics, leave-one-out split, readers, runner, report). */
export {
  METRIC_NAMES,
  MetricAccumulator,
  coverage,
  hitRate,
  ndcg,
  rankOfTarget,
  reciprocalRank,
  type EvalMetrics,
  type MetricName,
} from './metrics';
export { leaveOneOutSplit, orderByUserThenTime, type EvalCase, type LeaveOneOutSplit } from './split';
export {
  DATASET_FORMATS,
  DatasetError,
  loadDataset,
  parseMovielensMovies,
  parseMovielensRatings,
  parseRecboleInter,
  parseRecboleItems,
  type Dataset,
  type DatasetFiles,
  type DatasetFormat,
  type FeatureValue,
  type ItemFeatureTable,
  type RawLog,
} from './readers';
export {
  DEFAULT_SEARCH_SPACES,
  SELECTION_METRIC,
  evaluateDataset,
  runEvaluation,
  type EvalIO,
  type EvalOptions,
  type EvalOutcome,
  type EvalProgress,
  type EvalProtocol,
  type EvalReport,
  type EvalResult,
  type EvalStage,
} from './run';
export { formatTable } from './report';
export {
  formatEpochLine,
  formatSummaryLine,
  measureTimeToQuality,
  type HostProbes,
  type TimeToQualityEpoch,
  type TimeToQualityIO,
  type TimeToQualityOptions,
  type TimeToQualityPoint,
  type TimeToQualityResult,
} from './time-to-quality';
export {
  heldOutMetrics,
  holdOutRecentPositives,
  type PersonalHoldout,
  type PersonalMetrics,
  type QualityRecord,
  type TimedSignal,
} from './personal';
