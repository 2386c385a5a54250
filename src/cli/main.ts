/** `lsl`: one command, subcommands, --help on each. */
import { Command } from 'commander';
import { ConfigError } from '../core/experiment/problems';
import { UsageError, oneLine } from './errors';

const program = new Command();
program.name('lsl').description('Large-Small-Large prompt optimization experiments, durably on Temporal').showHelpAfterError();

/** Wraps an action: bad input is one line and exit 2; anything else one line and exit 1. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      // A config error lists every problem, one per line with its file, line and path.
      if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
      else process.stderr.write(`lsl: error: ${oneLine(err)}\n`);
      process.exit(err instanceof UsageError || err instanceof ConfigError ? 2 : 1);
    }
  };
}

program.command('eval')
  .description('evaluate an instruction with a model on a task split, durably')
  .requiredOption('--task <name>', 'task name (gsm8k, math500, humaneval, ...)')
  .requiredOption('--model <name>', 'model name from the registry (sim-large, gpt-4.1-mini, ...)')
  .option('--split <pool>', 'test or train', 'test')
  .option('--limit <n>', 'first N problems of the split')
  .option('--instruction-file <file>', 'the instruction (system prompt) to evaluate')
  .option('--samples <k>', 'samples per problem (pass@k)')
  .option('--temperature <t>', 'override the registry temperature')
  .option('--concurrency <n>', 'rollouts in flight')
  .option('--no-worker', 'do not start an in-process worker (use `lsl worker` processes)')
  .option('--json', 'print one JSON summary line last')
  .action(action(async (flags) => (await import('./commands/eval')).evalCommand(flags)));

/** Commander's accumulator for a repeatable option. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

program.command('optimize')
  .description('run one optimizer stage (GEPA by default): optimize an instruction on a task with a task model and a reflector')
  .requiredOption('--task <name>', 'task name')
  .requiredOption('--model <name>', 'task model (runs the rollouts)')
  .requiredOption('--reflector <name>', 'reflection model (writes new instructions)')
  .requiredOption('--budget <n>', 'metric calls granted to the stage')
  .option('--train <n>', 'training examples (minibatches)', '60')
  .option('--val <n>', 'validation examples (the Pareto set)', '30')
  .option('--seed <s>', 'seed of splits and optimizer', '0')
  .option('--optimizer <name>', 'gepa | opro | evoprompt-ga | evoprompt-de | promptbreeder (the GEPA flags apply to gepa only)', 'gepa')
  .option('--optimizer-setting <key=value>', "one optimizer setting (repeatable; dotted keys nest: stop.maxIterations=200), e.g. proposalsPerStep=2 for opro, maxMerge=3 for gepa", collect, [])
  .option('--optimizer-config <file>', "optimizer settings by name, YAML or JSON, the shape of an experiment config's `optimizers:` section (opro: { proposalsPerStep: 2 })")
  .option('--merge', 'GEPA merge proposals (off unless given, as in the reference; needs a seed with several components, see --seed-candidate)')
  .option('--max-merges <n>', 'with --merge: merges accepted at most (default 5)')
  .option('--selector <name>', 'pareto | current_best | epsilon_greedy', 'pareto')
  .option('--minibatch <b>', 'reflection minibatch size', '3')
  .option('--instruction-file <file>', 'the seed instruction')
  .option('--proposals <n>', 'parallel GEPA proposals per round (1 = one at a time)', '1')
  .option('--seed-candidate <file>', 'a seed with several named components (YAML or JSON: name: text, or components + order)')
  .option('--concurrency <n>', 'rollouts in flight')
  .option('--no-worker', 'do not start an in-process worker')
  .option('--json', 'print one JSON summary line last')
  .action(action(async (flags) => (await import('./commands/optimize')).optimizeCommand(flags)));

const exp = () => import('./commands/experiment');
program.command('validate <config>')
  .description('check an experiment config; prints every problem with its path and line')
  .action(action(async (file: string) => (await exp()).validateCommand(file)));
program.command('plan <config>')
  .description('dry run: metric calls, model calls, tokens and dollars per arm and stage, and the power of the primary comparison')
  .option('--pilot <idOrRunDir>', 'take the discordance of the power calculation from a finished pilot run')
  .option('--json', 'JSON output')
  .action(action(async (file: string, flags) => (await exp()).planCommand(file, flags)));
program.command('run <config>')
  .description('run an experiment (all arms, evaluation, report)')
  .option('--id <experimentId>', 'workflow id (default exp-<name>-<config hash>)')
  .option('--no-worker', 'do not start an in-process worker')
  .option('--json', 'print one JSON summary line last')
  .action(action(async (file: string, flags) => (await exp()).runCommand(file, flags)));
for (const sig of ['pause', 'resume', 'stop'] as const) {
  program.command(`${sig} <id>`)
    .description(`${sig} a running experiment or stage (signal; reaches its running children)`)
    .action(action(async (id: string) => (await exp()).signalCommand(sig, id)));
}
program.command('report [idOrRunDir]')
  .description('write the report of a finished experiment again (Markdown, HTML, LaTeX)')
  .option('--series <scheduleId>', "each arm's test accuracy across a schedule's runs (table and chart)")
  .action(action(async (id: string | undefined, flags: { series?: string }) => (await exp()).reportCommand(id, flags)));
program.command('export <idOrRunDir>')
  .description('write a finished experiment as tidy tables (results, prompts, lineage, stages) for pandas or R')
  .requiredOption('--format <csv|jsonl|wst-jsonl>', 'csv or jsonl; wst-jsonl: the wst arm\'s (problem, teacher instruction, student answer, reward) records for an RL trainer')
  .option('--out <dir>', 'output directory (default <run dir>/export)')
  .action(action(async (id: string, flags) => (await exp()).exportCommand(id, flags)));
const schedule = program.command('schedule').description('nightly re-runs with Temporal Schedules');
schedule.command('create <config>')
  .description('create a schedule that runs an experiment config')
  .requiredOption('--cron <expr>', 'cron expression, e.g. "0 2 * * *"')
  .option('--id <scheduleId>', 'schedule id')
  .action(action(async (file: string, flags) => (await exp()).scheduleCreateCommand(file, flags)));
schedule.command('list').option('--json', 'JSON output').description('list schedules')
  .action(action(async (flags) => (await exp()).scheduleListCommand(flags)));
schedule.command('delete <scheduleId>').description('delete a schedule')
  .action(action(async (id: string) => (await exp()).scheduleDeleteCommand(id)));
schedule.command('trigger <scheduleId>').description('start a run of a schedule now')
  .action(action(async (id: string) => (await exp()).scheduleTriggerCommand(id)));

program.command('worker')
  .description('run a worker against TEMPORAL_ADDRESS (all workflows and activities)')
  .action(action(async () => (await import('./commands/basics')).workerCommand()));

const sim = program.command('sim').description('the model simulator');
sim.command('serve')
  .description('serve the OpenAI-compatible model simulator; prints its URL')
  .option('--port <n>', 'port (0 = any free port)', '8787')
  .option('--host <ip>', 'address to bind', '127.0.0.1')
  .option('--latency <ms>', 'simulated latency per call')
  .action(action(async (flags) => (await import('./commands/basics')).simServeCommand(flags)));

const datasets = program.command('datasets').description('benchmark data files');
datasets.command('verify [names...]')
  .description('check dataset files against the sha256 in each SOURCE.md')
  .option('--json', 'JSON output')
  .action(action(async (names: string[], flags) => (await import('./commands/basics')).datasetsVerifyCommand(names, flags)));
datasets.command('pull <name>')
  .description('download a dataset from its public source (needs internet) and verify it')
  .action(action(async (name: string) => (await import('./commands/basics')).datasetsPullCommand(name)));

const models = program.command('models').description('the model registry');
models.command('check <name>')
  .description('two short identical calls to a registry model: reachability, latency, tokens, seed, price, context')
  .option('--timeout <ms>', 'per-call timeout (default: the entry\'s, at most 60000)')
  .option('--json', 'print the check as one JSON line')
  .action(action(async (name: string, flags) => (await import('./commands/models')).modelsCheckCommand(name, flags)));

const tasks = program.command('tasks').description('benchmark tasks');
tasks.command('check <task>')
  .description("grade every example's reference answer with the task's own grader (all must pass)")
  .option('--json', 'print {task, total, passed, failedIds} as one JSON line')
  .action(action(async (name: string, flags) => (await import('./commands/tasks')).tasksCheckCommand(name, flags)));

program.command('status <workflowId>')
  .description("read the progress query of a running workflow (TEMPORAL_ADDRESS, default localhost:7233)")
  .option('--json', 'JSON output')
  .action(action(async (id: string, flags) => (await import('./commands/basics')).statusCommand(id, flags)));

program.parseAsync(process.argv).catch((err) => {
  process.stderr.write(`lsl: error: ${oneLine(err)}\n`);
  process.exit(1);
});
