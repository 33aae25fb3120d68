export { applyPatch, SimulationError } from './apply';
export { renderChart } from './chart';
export {
  type Controller,
  guardedKedaController,
  kedaController,
  kedaPolicy,
  POLICY_LABELS,
  POLICY_NAMES,
  type PolicyName,
  plannerController,
  staticController,
} from './controllers';
export { percentile, type SimulationFigures, type WaitFigures } from './figures';
export { type BacklogUnit, backlogByAz, backlogOf, poolView } from './observe';
export { describeSetup, formatResults } from './report';
export {
  isScenarioName,
  SCENARIO_NAMES,
  type Scenario,
  type ScenarioName,
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
  type SimulationResult,
  type SimulationSetup,
  simulate,
  startingCounts,
} from './simulate';
export {
  type ParseTraceOptions,
  parseTrace,
  type SimJob,
  TraceError,
  type TraceFormat,
  type TraceIssue,
} from './trace';
export { createWorld, type Delays, step, type WorldState } from './world';
