// The live view: server-sent events of a run's seconds as they happen. Two sources feed it:
// timeseries.ndjson as it grows (always; polled twice a second), and, when the dashboard is
// served by `peakdrill run --dashboard`, the controller's in-process LiveSource (lower latency).
// Both carry the same lines; each link's last second sent is remembered, so none is sent twice.
// faults.ndjson is followed the same way (`faults` events: each inject and undo as it happens),
// so the charts band a fault while the run is still going, and control.ndjson too (`control`
// events: each live change as it takes effect), so the charts mark it without a reload.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Request, Response } from 'express';
import { readRun, RUN_FILES, tailControlChanges, tailFaultEvents, tailTimeseries, type RunFiles, type Summary, type TimeseriesLine } from '@peakdrill/core';

export type LiveEvent =
  | { type: 'seconds'; lines: TimeseriesLine[] }
  /** The run ended (or its summary changed status): the final summary. */
  | { type: 'end'; summary: Summary };

/**
 * What the controller offers the dashboard. `subscribe` is called once per open live page;
 * `cb` may be called from any point of the controller's 1 s tick and must not throw; the
 * returned function unsubscribes (called when the page closes).
 */
export interface LiveSource {
  subscribe(runId: string, cb: (event: LiveEvent) => void): () => void;
}

/** A ready-made LiveSource: the controller calls `publish`, the dashboard subscribes. */
export class LiveHub implements LiveSource {
  private readonly subs = new Map<string, Set<(event: LiveEvent) => void>>();

  subscribe(runId: string, cb: (event: LiveEvent) => void): () => void {
    let set = this.subs.get(runId);
    if (!set) {
      set = new Set();
      this.subs.set(runId, set);
    }
    set.add(cb);
    return () => {
      set.delete(cb);
      if (set.size === 0) this.subs.delete(runId);
    };
  }

  publish(runId: string, event: LiveEvent): void {
    for (const cb of this.subs.get(runId) ?? []) {
      try {
        cb(event);
      } catch {
        // a closed page must never break the controller's tick
      }
    }
  }
}

export const LIVE_POLL_MS = 500;
const HEARTBEAT_MS = 15_000;

export function serveLive(req: Request, res: Response, runsDir: string, run: RunFiles, source?: LiveSource): void {
  const lastEventId = Number(req.get('last-event-id'));
  const from = Number(req.query['from']);
  let offset = Number.isFinite(lastEventId) && lastEventId >= 0 ? lastEventId : Number.isFinite(from) && from >= 0 ? from : 0;
  const lastT = new Map<string, number>();
  // faults.ndjson is small: every connection reads it from the start, and the page keeps the latest state per fault
  let faultsOffset = 0;
  // control.ndjson likewise: the page keeps the changes it has, once each
  let controlOffset = 0;
  const controlPath = join(run.path, RUN_FILES.control);
  let closed = false;

  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  res.write('retry: 2000\n\n');

  const fresh = (lines: TimeseriesLine[]): TimeseriesLine[] =>
    lines.filter((l) => {
      const t = lastT.get(l.link);
      if (t !== undefined && l.t <= t) return false;
      lastT.set(l.link, l.t);
      return true;
    });

  const send = (event: string, data: unknown, id?: number): void => {
    if (closed) return;
    res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  const finish = (summary: Summary): void => {
    if (closed) return;
    pump();
    send('end', { status: summary.status });
    stop();
    res.end();
  };

  const pump = (): void => {
    const tail = tailTimeseries(run.files.timeseries, offset);
    offset = tail.nextOffset;
    const lines = fresh(tail.lines);
    if (lines.length) send('seconds', lines, offset);
    const faults = tailFaultEvents(run.files.faults, faultsOffset);
    faultsOffset = faults.nextOffset;
    if (faults.values.length) send('faults', faults.values);
    const changes = tailControlChanges(controlPath, controlOffset);
    controlOffset = changes.nextOffset;
    if (changes.values.length) send('control', changes.values);
  };

  let summaryMtime = -1;
  const tick = (): void => {
    if (closed) return;
    try {
      pump();
      // Re-read summary.json only when it changed (the controller replaces it at the end).
      const mtime = statSync(run.files.summary).mtimeMs;
      if (mtime === summaryMtime) return;
      summaryMtime = mtime;
      const now = readRun(runsDir, run.id);
      if (now.summary.status !== 'running') finish(now.summary);
    } catch {
      // the run folder vanished or summary.json is being replaced: try again next tick
    }
  };

  const timer = setInterval(tick, LIVE_POLL_MS);
  const heartbeat = setInterval(() => !closed && res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const unsubscribe = source?.subscribe(run.id, (event) => {
    if (event.type === 'seconds') {
      const lines = fresh(event.lines);
      if (lines.length) send('seconds', lines);
    } else finish(event.summary);
  });

  function stop(): void {
    closed = true;
    clearInterval(timer);
    clearInterval(heartbeat);
    unsubscribe?.();
  }
  req.on('close', stop);
  tick();
}
