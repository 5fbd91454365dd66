import type { Command } from 'commander';

export function register(program: Command): void {
  program.command('report').description('(arrives with its issue)').action(() => {
    process.stderr.write('peakdrill report: not available in this build yet\n');
    process.exit(2);
  });
}
