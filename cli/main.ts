// The `claude-flow` command: an HTTP client of the Claude Flow API.
// Exit codes: 0 ok, 1 failure (an API error, a failed workflow, the API unreachable), 2 wrong usage.
import { Command, CommanderError, Option } from 'commander';
import { registerAnalyze } from './commands/analyze';
import { registerKeys, registerSchedules, registerStatus } from './commands/admin';
import { registerMemory } from './commands/memory';
import { registerSessions } from './commands/sessions';
import { registerWorkflows } from './commands/workflows';
import { bashCompletion, zshCompletion } from './completion';
import { cliEnv } from './config';
import { ApiError, CliError } from './errors';

export function buildProgram(): Command {
  const program = new Command('claude-flow');
  program
    .description('Claude Flow: durable AI sessions and development workflows on Temporal')
    .version(version(), '-V, --version')
    .option('--json', 'print one JSON document (streams: JSON lines) instead of tables')
    .option('--url <url>', 'the API (default: $CLAUDE_FLOW_URL, the profile, or http://127.0.0.1:3000)')
    .addOption(new Option('--api-key <key>', 'an API key (default: $CLAUDE_FLOW_API_KEY or the profile)'))
    .option('--profile <name>', 'a profile from ~/.claude-flow/config.json')
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (s, write) => write(s) });

  registerSessions(program);
  registerMemory(program);
  registerWorkflows(program);
  registerAnalyze(program);
  registerSchedules(program);
  registerKeys(program);
  registerStatus(program);

  program
    .command('completion')
    .description('Print a shell completion script (bash or zsh)')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell === 'bash') process.stdout.write(bashCompletion(program));
      else if (shell === 'zsh') process.stdout.write(zshCompletion(program));
      else throw new CliError(`no completion for "${shell}": use bash or zsh`, 2);
    });
  return program;
}

function version(): string {
  try {
    return (require('../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** Runs the CLI with `argv` (node, script, args…); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const json = argv.includes('--json');
  // `claude-flow … | head`: a closed pipe ends the command quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      // `claude-flow` or `claude-flow session` alone shows help: that is a usage error too.
      return 2;
    }
    const code = err instanceof CliError ? err.exitCode : 1;
    const message = err instanceof Error ? err.message : String(err);
    const color = Boolean(process.stderr.isTTY) && !cliEnv().noColor && !argv.includes('--no-color');
    const label = color ? '\x1b[31merror:\x1b[39m' : 'error:';
    process.stderr.write(`${label} ${message.split('\n')[0]}\n`);
    if (json) {
      const e = err instanceof ApiError ? { status: err.status, title: err.title } : {};
      process.stdout.write(`${JSON.stringify({ error: { message, exitCode: code, ...e } })}\n`);
    }
    if (!(err instanceof CliError) && cliEnv().debug) process.stderr.write(`${(err as Error).stack}\n`);
    return code;
  }
}
