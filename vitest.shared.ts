// Test options every package's vitest project shares (a project does not inherit the root
// config's `test` options). vitest's 5 s default is too short for tests that start real
// servers, worker threads or drills on a busy 2-core CI machine. Tests whose work needs more
// (Chromium, multi-second drills) set their own timeout next to the reason.
export const sharedTest = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
} as const;
