import type { BackendObserver } from '../backend/index.js';
import type { NodeHealth } from './node-health.js';
import { isNodeFailure } from './node-failure.js';

/**
 * Feeds a node's health from its operations: node failures (refused, reset,
 * no answer) count towards marking it down, any answer resets the count.
 */
export class HealthObserver implements BackendObserver {
  /** @param health - the node's health @param onDown - called when a failure marks it down */
  constructor(
    private readonly health: NodeHealth,
    private readonly onDown: () => void,
  ) {}

  start(): undefined {
    return undefined;
  }

  finish(_op: string, _token: unknown, error: unknown): void {
    if (error === undefined) this.health.success();
    else if (isNodeFailure(error) && this.health.failure(error)) this.onDown();
  }

  conflict(): void {}
}
