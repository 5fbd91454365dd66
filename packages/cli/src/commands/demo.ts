import type { Command } from 'commander';

export function register(program: Command): void {
  program.command('demo').description('(arrives with its issue)').action(() => {
    process.stderr.write('peakdrill demo: not available in this build yet\n');
    process.exit(2);
  });
}
