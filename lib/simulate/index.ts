export { applyPatch, type PatchOutcome, patchPool, SimulationError } from './apply';
export { type ClairvoyantBound, clairvoyantBound, setupBound } from './bound';
export { awareStock, capacityOf, historyAfterRefusal, withStockAware } from './capacity';
export { renderChart } from './chart';
export {
  CA_DELAY_AFTER_ADD_SECONDS,
  CA_UNNEEDED_SECONDS,
  clusterAutoscalerController,
} from './cluster-autoscaler';
export {
  type Controller,
  type ControllerView,
  type Decision,
  guardedKedaController,
  HPA_DEFAULTS,
  hpaController,
  hpaPolicy,
  INFORMATION_ONLY,
  kedaController,
  kedaPolicy,
  POLICY_LABELS,
  POLICY_NAMES,
  type PolicyName,
  plannerController,
  type ScaleInChooser,
  staticController,
} from './controllers';
export {
  type CapacityFigures,
  figuresOf,
  type JobGroupFigures,
  nodeSecondsAt,
  percentile,
  type SimulationFigures,
  type TimeWindow,
  type WaitFigures,
  WindowError,
  type WindowFigures,
  windowFiguresOf,
} from './figures';
export {
  type FloorOverrides,
  FloorSettingError,
  type ForecastOverride,
  forecastPolicy,
  parseHeadroom,
  withFloors,
} from './floors';
export { forecastAt } from './forecast';
export {
  causesOf,
  type FlavorExplanation,
  IDLE_CAUSES,
  type IdleCause,
  type IdleHours,
  IdleLedger,
} from './idle-causes';
export {
  applyNamed,
  busyIpsOf,
  type NamedOperations,
  nodeFactsOf,
  simNodeIp,
  simNodeName,
} from './named-nodes';
export { type BacklogUnit, backlogByAz, backlogOf, poolView } from './observe';
export { describeSetup, formatResults } from './report';
export { scaleDownOf, withScaleDown } from './scale-down';
export {
  isScenarioName,
  MAX_SCENARIO_DAYS,
  SCENARIO_NAMES,
  type Scenario,
  ScenarioError,
  type ScenarioName,
  type ScenarioOptions,
  scenario,
} from './scenarios';
export {
  DEFAULT_MAX,
  DEFAULT_START_AT,
  defaultSimulationConfig,
  type SetupOptions,
  SimulationSetupError,
  simulationSetup,
} from './setup';
export {
  compare,
  meanDemand,
  type Sample,
  type SimulateOptions,
  type SimulationResult,
  type SimulationSetup,
  simulate,
  startingCounts,
} from './simulate';
export {
  offeredAzs,
  refuseSoldOut,
  SOLD_OUT_CODE,
  type SoldOutWindow,
  soldOutAt,
  stockAt,
} from './sold-out';
export {
  type ParseTraceOptions,
  parseTrace,
  parseTraceFile,
  type SimJob,
  type Trace,
  TraceError,
  type TraceFormat,
  type TraceIssue,
} from './trace';
export {
  createWorld,
  type Delays,
  PLATFORM_MODELS,
  type PlatformModel,
  type SimNode,
  step,
  type WorldState,
} from './world';
