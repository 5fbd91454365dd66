import type { Command } from 'commander';

export function register(program: Command): void {
  program.command('run').description('(arrives with its issue)').action(() => {
    process.stderr.write('peakdrill run: not available in this build yet\n');
    process.exit(2);
  });
}
