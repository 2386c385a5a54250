/**
 * One `lsl run` of a small config on a test simulator, in its own LSL_HOME (so no other run's
 * response cache serves it): the result, what the simulator served, and where the report went.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExperimentResult } from '../../src/core/experiment';
import type { RunningSimulator, SimStats } from '../../src/sim';
import { lastJsonLine, makeTempDir, runLsl, type EnvPatch } from './cli';

export interface SimRun { result: ExperimentResult; stats: SimStats; reportDir: string; home: string; env: EnvPatch }

export async function runConfigOnSim(sim: RunningSimulator, name: string, lines: string[]): Promise<SimRun> {
  const home = makeTempDir(`exp-${name}`);
  const config = path.join(home, `${name}.yaml`);
  fs.writeFileSync(config, [...lines, ''].join('\n'));
  sim.reset();
  const env = { LSL_HOME: home, LSL_SIM_URL: sim.url, LSL_WORKFLOW_BUNDLE: process.env.LSL_TEST_WORKFLOW_BUNDLE, TEMPORAL_ADDRESS: '' };
  const r = await runLsl(['run', config, '--json'], env, 600_000);
  if (r.code !== 0) throw new Error(`lsl run failed (${r.code}):\n${r.stderr}`);
  const stats = sim.stats();
  const { reportDir } = lastJsonLine<{ reportDir: string }>(r);
  const result = JSON.parse(fs.readFileSync(path.join(path.dirname(reportDir), 'result.json'), 'utf8')) as ExperimentResult;
  return { result, stats, reportDir, home, env };
}
