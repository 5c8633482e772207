export * from './semconv.js';
export { VERSION } from './version.js';
export { NodeAttributes, errorType, nodeAttributes } from './node-attributes.js';
export { Tally } from './instruments.js';
export { Telemetry, failSpan, type TelemetryOptions } from './telemetry.js';
export {
  Instruments,
  type UpdateTelemetryOutcome,
  type ComputeTelemetryOutcome,
  type LeaseTelemetryEvent,
} from './instruments.js';
export { ComputeTelemetry } from './compute-telemetry.js';
export { OperationObserver } from './operation-observer.js';
export { UpdateTracker } from './update-tracker.js';
export { lockTelemetry } from './lock-telemetry.js';
