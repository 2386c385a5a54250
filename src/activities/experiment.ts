/**
 * Experiment-level activities, thin wrappers: prepare a config inside the worker (validated as
 * `lsl run` validates it, so `temporal workflow start --input-file` gets the same checks), and
 * write the report from the artifacts the stages and evaluations left.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ConfigError, formatProblem, type PreparedExperiment, type ReportSources } from '../core/experiment';
import { prepareExperiment } from '../experiment/prepare';
import { publishReport, writeReportFromSources, type ReportFiles } from '../report';
import type { ActivityDeps } from './deps';

export function createExperimentActivities(deps: ActivityDeps) {
  return {
    async prepareExperiment(input: { config: unknown }): Promise<PreparedExperiment> {
      try {
        // This activity runs on the experiment's own queue (its proxy names none): the base of the models' queues.
        return await prepareExperiment(deps, input.config, Context.current().info.taskQueue);
      } catch (err) {
        // A bad config never gets better by retrying.
        const message = err instanceof ConfigError ? err.problems.map((p) => formatProblem(p)).join('; ') : (err as Error).message;
        throw ApplicationFailure.create({ type: 'InvalidExperimentConfig', message, nonRetryable: true });
      }
    },
    async writeExperimentReport(input: { sourcesKey: string }): Promise<{ dir: string; files: ReportFiles }> {
      const written = await writeReportFromSources(deps, input.sourcesKey);
      if (!deps.runs) return written;
      // Into the store too, so the result names a place every machine can read.
      const { experimentId } = await deps.store.getJson<ReportSources>(input.sourcesKey);
      return publishReport(deps.runs, experimentId, written.dir, written.files);
    },
  };
}
