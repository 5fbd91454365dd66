// The load models by the `model:` key a scenario uses.

import type { LoadModel } from '@peakdrill/core/plan';
import { ClosedModel } from './closed.js';
import type { ModelFactory } from './model.js';
import { OpenModel } from './open.js';
import { ReplayModel } from './replay.js';

export const LOAD_MODELS: Record<LoadModel['model'], ModelFactory> = {
  open: (host, a) => new OpenModel(host, a),
  closed: (host, a) => new ClosedModel(host, a),
  replay: (host, a) => new ReplayModel(host, a),
};

export type { LoadModelRunner, ModelHost } from './model.js';
