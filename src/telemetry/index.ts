export * from './semconv.js';
export { VERSION } from './version.js';
export { NodeAttributes, errorType } from './node-attributes.js';
export { Tally } from './tally.js';
export {
  Telemetry,
  failSpan,
  type TelemetryOptions,
  type UpdateTelemetryOutcome,
} from './telemetry.js';
export { OperationObserver } from './operation-observer.js';
export { UpdateTracker } from './update-tracker.js';
