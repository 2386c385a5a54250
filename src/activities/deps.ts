/** What activities need from the outside world, passed in so tests can give real but small ones. */
import type { ModelRegistry } from '../llm/registry';
import type { ModelGateway } from '../llm/types';
import type { ArtifactStore } from '../store/artifacts';

export interface ActivityDeps {
  gateway: ModelGateway;
  /** Model specs (no keys): for validating experiment configs in the worker. */
  registry: ModelRegistry;
  store: ArtifactStore;
  datasetsDir: string;
  /** Where experiment reports go (`<runsDir>/<experimentId>/report`). */
  runsDir: string;
  /** The lsl version recorded with each experiment. */
  version: string;
}
