/** What activities need from the outside world, passed in so tests can give real but small ones. */
import type { ModelGateway } from '../llm/types';
import type { ArtifactStore } from '../store/artifacts';

export interface ActivityDeps {
  gateway: ModelGateway;
  store: ArtifactStore;
  datasetsDir: string;
}
