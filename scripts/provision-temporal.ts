/** Makes sure a Temporal CLI is available (used by scripts/setup.sh): prints where it is. */
import { buildTemporalCli, cliVersion, findTemporalCli } from '../src/temporal/provision';

if (process.env.TEMPORAL_ADDRESS) {
  process.stdout.write(`using the Temporal server at TEMPORAL_ADDRESS=${process.env.TEMPORAL_ADDRESS}\n`);
} else {
  const found = findTemporalCli() ?? buildTemporalCli();
  process.stdout.write(`Temporal CLI: ${found.path} (${found.source}): ${cliVersion(found.path)}\n`);
}
