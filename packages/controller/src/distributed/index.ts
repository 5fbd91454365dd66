export { runAgent, CONTROLLER_SILENCE_MS, type AgentOptions, type RunningAgent } from './agent.js';
export { createNatsFleet, NatsFleet, AGENT_LOSS_MODES, type AgentLossMode, type NatsFleetOptions } from './fleet.js';
export { DEFAULT_PREFIX, subjects, type Subjects } from './subjects.js';
