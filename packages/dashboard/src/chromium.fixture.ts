// How a browser test gets its browser: Debian's chromium (.ci/run installs it) driven by
// playwright-core. Without it a suite is skipped on a developer's machine and fails on CI
// (CI=true): never a silent pass. Every *.browser.test.ts starts its chromium here.

import { existsSync } from 'node:fs';
import { describe } from 'vitest';
import type { Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const haveChromium = existsSync(CHROMIUM);

/** `describe` where chromium can run, or on CI (where its absence must fail); `describe.skip` otherwise. */
export const browserSuite = haveChromium || process.env['CI'] === 'true' ? describe : describe.skip;

/** A headless chromium; throws when it is missing (on CI that is a failure, not a skip). */
export async function launchChromium(): Promise<Browser> {
  if (!haveChromium) throw new Error(`chromium is missing at ${CHROMIUM}: apt-get install -y chromium (CI=true makes this a failure)`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}
