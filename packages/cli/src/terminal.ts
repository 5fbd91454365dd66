// The only place that writes progress to the terminal (stderr; results go to stdout).
// On a TTY the status line is redrawn in place once a second; elsewhere (CI, pipes) plain
// lines are written instead, so logs stay readable.

export class Terminal {
  readonly live: boolean;
  private readonly quiet: boolean;
  private statusShown = false;

  constructor(opts: { quiet: boolean; ci: boolean }) {
    this.quiet = opts.quiet;
    this.live = !opts.quiet && !opts.ci && process.stderr.isTTY === true;
  }

  status(text: string): void {
    if (this.quiet) return;
    const width = process.stderr.columns ?? 120;
    process.stderr.write(`\r\x1b[2K${text.length > width - 1 ? text.slice(0, width - 2) + '…' : text}`);
    this.statusShown = true;
  }

  endStatus(): void {
    if (this.statusShown) process.stderr.write('\n');
    this.statusShown = false;
  }

  line(text: string): void {
    if (this.quiet) return;
    if (this.statusShown) {
      process.stderr.write('\r\x1b[2K');
      this.statusShown = false;
    }
    process.stderr.write(text + '\n');
  }

  block(text: string): void {
    if (this.quiet) return;
    this.endStatus();
    process.stderr.write('\n' + text + '\n\n');
  }
}
