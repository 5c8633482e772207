export * from './semconv.js';
export { VERSION } from './version.js';
export {
  Telemetry,
  NodeAttributes,
  Tally,
  failSpan,
  errorType,
  type TelemetryOptions,
  type UpdateTelemetryOutcome,
} from './telemetry.js';
export { OperationObserver } from './operation-observer.js';
export { trackUpdate, type TrackedUpdate } from './update-tracker.js';
