export { systemClock, sleep, type Clock } from './clock.js';
export { afterMicrotasks } from './microtask.js';
export { Stage } from './stage.js';
