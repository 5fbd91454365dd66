// Worker thread of loadPercentiles: merges one histograms.hlog and posts its curves back.

import { parentPort, workerData } from 'node:worker_threads';
import { mergeHlogByTag } from '@peakdrill/core';
import { curvesOf } from './percentiles.js';

parentPort!.postMessage(curvesOf(mergeHlogByTag((workerData as { path: string }).path)));
