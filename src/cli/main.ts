/** `lsl`: one command, subcommands, --help on each. */
import { Command } from 'commander';
import { UsageError, oneLine } from './errors';

const program = new Command();
program.name('lsl').description('Large-Small-Large prompt optimization experiments, durably on Temporal').showHelpAfterError();

/** Wraps an action: bad input is one line and exit 2; anything else one line and exit 1. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      process.stderr.write(`lsl: error: ${oneLine(err)}\n`);
      process.exit(err instanceof UsageError ? 2 : 1);
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

program.command('status <workflowId>')
  .description("read the progress query of a running workflow (TEMPORAL_ADDRESS, default localhost:7233)")
  .option('--json', 'JSON output')
  .action(action(async (id: string, flags) => (await import('./commands/basics')).statusCommand(id, flags)));

program.parseAsync(process.argv).catch((err) => {
  process.stderr.write(`lsl: error: ${oneLine(err)}\n`);
  process.exit(1);
});
