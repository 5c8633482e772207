export { systemClock, sleep, type Clock } from './clock.js';
