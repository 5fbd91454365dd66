// Steering one running drill: each change becomes stages (replan.ts), goes to every generator
// as a `stages` control message, replaces the plan's stages on the controller (so the planned
// rates, the verdict window and summary.json's plan follow what ran), and is appended to
// control.ndjson with who asked, when, and when it took effect.

import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { levelUnit, RUN_FILES, startLevel, UserError, type LevelUnit, type ControlMessage, type Plan, type Stage, type LoadModel } from '@peakdrill/core';
import { CONTROL_MAX_LEVEL, levelAt, replan, type ControlCommand } from './replan.js';

/** Who sent a change: the CLI (`peakdrill ctl`), the HTTP API directly, or the dashboard. */
export type ControlVia = 'ctl' | 'api' | 'dashboard';

/** One line of control.ndjson. */
export interface ControlRecord {
  /** Wall clock (ISO) the change took effect at: the first due time under the new stages. */
  at: string;
  /** The same, in seconds since the drill's second 0. */
  atS: number;
  /** Wall clock (ISO) the request arrived. */
  requestedAt: string;
  who: string;
  via: ControlVia;
  command: ControlCommand;
  /** The load level right after the change (open: journeys/s; closed: VUs); absent for stop. */
  level?: number;
  unit: LevelUnit;
  capped?: string;
}

export interface ControlState {
  running: boolean;
  model: LoadModel['model'];
  unit: LevelUnit;
  /** The level now (interpolated on the stages in effect). */
  level: number;
  elapsedS: number;
  stages: Stage[];
  changes: ControlRecord[];
}

export interface DrillControlOptions {
  plan: Plan;
  /** Epoch ms of second 0. */
  startMs: number;
  totalMs: number;
  /** How far ahead of "now" a change takes effect: enough for the message to reach every generator first. */
  leadMs: number;
  dir: string;
  /** Why level changes cannot apply (a replay follows its log), or null: else only `stop` is accepted, and the refusal says why. */
  levelChangesRefused: string | null;
  send(msg: ControlMessage): void;
  stop(reason: string): void;
  /** The stages changed (the drill moves its verdict window). */
  onStages(stages: Stage[]): void;
  now?: () => number;
}

export class DrillControl {
  private readonly planned: { start: number; stages: readonly Stage[] };
  private readonly changes: ControlRecord[] = [];
  private running = true;
  private readonly unit: LevelUnit;

  constructor(private readonly o: DrillControlOptions) {
    const load = o.plan.load;
    const start = startLevel(load);
    // the closed model's start defaults to the first stage's target: pin it, since changes cut that stage
    if (load.model === 'closed') load.startVus = start;
    this.planned = { start, stages: load.stages.map((s) => ({ ...s })) };
    this.unit = levelUnit(load.model);
  }

  apply(cmd: ControlCommand, who: string, via: ControlVia): ControlRecord {
    if (!this.running) throw new UserError('DRILL_ENDED', 'the drill has ended: nothing to control');
    const nowMs = (this.o.now ?? Date.now)();
    const requestedAt = new Date(nowMs).toISOString();
    const elapsed = nowMs - this.o.startMs;
    if (elapsed >= this.o.totalMs) throw new UserError('DRILL_ENDED', 'the drill is past its planned end (draining): nothing to control');
    const atMs = Math.max(0, elapsed + this.o.leadMs);
    const base = { at: new Date(this.o.startMs + atMs).toISOString(), atS: round3(atMs / 1000), requestedAt, who, via, command: cmd, unit: this.unit };
    if (cmd.command === 'stop') {
      const record: ControlRecord = { ...base, at: requestedAt, atS: round3(Math.max(0, elapsed) / 1000) };
      this.record(record);
      this.o.stop(`stopped by ${who} (${via})`);
      return record;
    }
    if (this.o.levelChangesRefused) throw new UserError('CONTROL_NOT_SUPPORTED', `${cmd.command} refused: ${this.o.levelChangesRefused}; stop works`);
    const load = this.o.plan.load;
    const r = replan(cmd, this.planned, load.stages, atMs, { totalMs: this.o.totalMs, max: CONTROL_MAX_LEVEL, unit: this.unit });
    load.stages = r.stages;
    this.o.send({ type: 'stages', stages: r.stages });
    this.o.onStages(r.stages);
    const record: ControlRecord = { ...base, level: r.level, ...(r.capped ? { capped: r.capped } : {}) };
    this.record(record);
    return record;
  }

  state(): ControlState {
    const load = this.o.plan.load;
    const elapsed = Math.max(0, (this.o.now ?? Date.now)() - this.o.startMs);
    return {
      running: this.running,
      model: load.model,
      unit: this.unit,
      level: round3(levelAt(this.planned.start, load.stages, elapsed)),
      elapsedS: round3(elapsed / 1000),
      stages: load.stages.map((s) => ({ ...s })),
      changes: [...this.changes],
    };
  }

  get history(): readonly ControlRecord[] {
    return this.changes;
  }

  end(): void {
    this.running = false;
  }

  private record(r: ControlRecord): void {
    this.changes.push(r);
    appendFileSync(join(this.o.dir, RUN_FILES.control), JSON.stringify(r) + '\n');
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
