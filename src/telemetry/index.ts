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
export { InstrumentedBackend } from './instrumented-backend.js';
export { trackUpdate, type TrackedUpdate } from './update-tracker.js';
