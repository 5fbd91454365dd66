// Importers: drills built from real traffic (access logs, HAR recordings, OpenAPI documents).

export { importAccessLog, MAX_ROUTES, type LogImport, type RouteSummary, type SkippedLine, type AccessLogOptions } from './access-log.js';
export { logScenario, weightedList, POOL_KEYS, POOL_LENGTH, type LogScenarioOptions } from './log-scenario.js';
export { draftYaml, type Draft, type DraftStep, type DraftJourney, type DraftPool, type DraftLink } from './draft.js';
export { importFidelity, replayFidelity, formatFidelity, secondsFidelity, type Fidelity, type FidelityLink, type FidelityKeys, type FidelitySecond } from './fidelity.js';
export { Masker, formatMaskReport, masked, type MaskKind, type MaskReport } from './mask.js';
export { TopKeys, Peaks, type Peak } from './tally.js';
export { importHar, MAX_HAR_BYTES, type HarImport, type HarOptions } from './har.js';
export { logSpan, type LogSpan } from './log-span.js';
export { importOpenApi, exampleOf, type OpenApiOptions } from './openapi.js';
export * from './logs.js';
