import type { Command } from 'commander';

export function register(program: Command): void {
  program.command('stack').description('(arrives with its issue)').action(() => {
    process.stderr.write('peakdrill stack: not available in this build yet\n');
    process.exit(2);
  });
}
