// The dashboard: an express app over a runs folder. Pages are rendered on the server (pure
// functions of the run files); the client script only draws charts and follows live runs.

import express, { type NextFunction, type Request, type Response } from 'express';
import { isUserError, listRuns, readRun, readRunNotes, readTimeseries, type RunFiles } from '@peakdrill/core';
import { readFileSync } from 'node:fs';
import { ASSET_FILES, assetText, type AssetName } from './assets.js';
import { tokenGate } from './auth.js';
import { comparePage } from './compare.js';
import { CONTROL_BODY_LIMIT, controlRun, controlState } from './control.js';
import { html } from './html.js';
import { renderDocument, reportCsp } from './layout.js';
import { serveLive, type LiveSource } from './live.js';
import { renderComparePage, type CompareSide, type CompareView } from './pages/compare.js';
import { renderRunPage } from './pages/run.js';
import { renderCampaignPage } from './pages/campaign.js';
import { campaignOf } from './campaign.js';
import { filterRows, renderRunsPage, runRow, type RunsView } from './pages/runs.js';
import { loadPercentiles } from './percentiles.js';
import { buildSeries, DEFAULT_MAX_POINTS } from './series.js';
import { buildRunView, displayStatus, linkOrder, publicSummary, totalsOf } from './view.js';

export interface DashboardOptions {
  runsDir: string;
  /** When set, every request must carry it (Bearer header, or the cookie `?token=` sets). */
  token?: string;
  /** The controller's in-process feed of a live run (`peakdrill run --dashboard`). */
  live?: LiveSource;
  /**
   * Host names the app answers to (the Host header, port ignored). serveDashboard sets the
   * loopback names when it binds loopback without a token, which defeats DNS rebinding.
   */
  allowedHostnames?: string[];
}

export const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Points per series in the charts; 0 means full resolution. Capped so a request stays cheap. */
function maxPointsOf(q: unknown): number {
  if (q === undefined || q === '') return DEFAULT_MAX_POINTS;
  const n = Number(q);
  if (!Number.isFinite(n) || n < 0) return DEFAULT_MAX_POINTS;
  return Math.min(Math.floor(n), 1_000_000);
}

function sendError(req: Request, res: Response, status: number, code: string, message: string): void {
  if (req.path.startsWith('/api/')) {
    res.status(status).json({ error: code, message });
    return;
  }
  const body = html`<section class="card"><h2>${status === 404 ? 'Not found' : status === 400 ? 'Bad request' : 'Something went wrong'}</h2><p>${message}</p><p><a href="/">Back to the runs</a></p></section>`;
  res.status(status).type('html').send(renderDocument({ title: `${status} · peakdrill`, body, data: { page: 'error' }, assets: 'linked', charts: false }));
}

export function createDashboard(options: DashboardOptions): express.Express {
  const { runsDir, token, live } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    res.set({
      'Content-Security-Policy': DASHBOARD_CSP,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    });
    if (options.allowedHostnames) {
      const host = (req.get('host') ?? '').replace(/:\d+$/, '').toLowerCase();
      if (!options.allowedHostnames.includes(host)) {
        res.status(421).type('text').send('peakdrill dashboard: unexpected Host header (it answers on loopback only)');
        return;
      }
    }
    next();
  });
  if (token) app.use(tokenGate(token));

  const run = (id: string): RunFiles => readRun(runsDir, id);

  app.get('/assets/:name', (req, res) => {
    const name = req.params.name as AssetName;
    if (!Object.hasOwn(ASSET_FILES, name)) {
      sendError(req, res, 404, 'NOT_FOUND', 'no such asset');
      return;
    }
    res.set('Cache-Control', name === 'chart.umd.js' ? 'private, max-age=86400' : 'no-cache').type(ASSET_FILES[name].type).send(assetText(name));
  });

  const runsView = (q: Request['query']): RunsView => {
    const rows = listRuns(runsDir).map((e) => runRow(e));
    const filter = { scenario: typeof q['scenario'] === 'string' ? q['scenario'] : '', status: typeof q['status'] === 'string' ? q['status'] : '' };
    return {
      page: 'runs',
      rows: filterRows(rows, filter),
      scenarios: [...new Set(rows.map((r) => r.scenario))].sort(),
      filter,
      total: rows.length,
      live: rows.filter((r) => r.status === 'live').length,
    };
  };

  app.get('/', (req, res) => {
    res.type('html').send(renderRunsPage(runsView(req.query)));
  });

  app.get('/campaigns/:name', (req, res) => {
    const c = campaignOf(runsDir, req.params.name);
    if (!c) {
      sendError(req, res, 404, 'NOT_FOUND', `no run of campaign ${req.params.name} in ${runsDir}`);
      return;
    }
    res.type('html').send(renderCampaignPage(c));
  });

  app.get('/runs/:id', (req, res) => {
    const r = run(req.params.id);
    // The page asks for the percentile curves right after it loads: start merging the log now
    // (a cold hour takes ~0.3 s, on a worker thread), while this thread parses the timeseries.
    void loadPercentiles(r.files.histograms).catch(() => undefined);
    const view = buildRunView(r, { maxPoints: maxPointsOf(req.query['maxPoints']), percentiles: false, api: `/api/runs/${encodeURIComponent(r.id)}` });
    res.type('html').send(renderRunPage(view, 'linked'));
  });

  const side = async (id: string): Promise<CompareSide> => {
    const r = run(id);
    return { id: r.id, status: displayStatus(r.summary, r.updatedMs), summary: publicSummary(r.summary), percentiles: await loadPercentiles(r.files.histograms), notes: readRunNotes(r.path) };
  };

  app.get('/compare', async (req, res) => {
    const picked = ([] as unknown[]).concat(req.query['run'] ?? []).filter((x): x is string => typeof x === 'string');
    let baseId = typeof req.query['base'] === 'string' ? req.query['base'] : undefined;
    let newId = typeof req.query['new'] === 'string' ? req.query['new'] : undefined;
    if (!baseId && !newId && picked.length === 2) [baseId, newId] = [...picked].sort() as [string, string];
    const choices = listRuns(runsDir).map((e) => runRow(e)).map((r) => ({ id: r.id, scenario: r.scenario, status: r.status }));
    const view: CompareView = { page: 'compare', base: null, next: null, links: [], notes: [], choices };
    if (baseId && newId) {
      [view.base, view.next] = await Promise.all([side(baseId), side(newId)]);
      const c = comparePage(view.base.summary, view.next.summary);
      view.links = c.links;
      view.notes = c.notes;
    }
    res.type('html').send(renderComparePage(view));
  });

  app.get('/api/runs', (req, res) => {
    const v = runsView(req.query);
    res.json({ runs: v.rows, total: v.total, live: v.live, scenarios: v.scenarios });
  });

  app.get('/api/runs/:id', (req, res) => {
    const r = run(req.params.id);
    res.json({ id: r.id, status: displayStatus(r.summary, r.updatedMs), updatedMs: r.updatedMs, summary: publicSummary(r.summary) });
  });

  app.get('/api/runs/:id/timeseries', (req, res) => {
    const r = run(req.params.id);
    const lines = readTimeseries(r.files.timeseries);
    const series = buildSeries(lines, maxPointsOf(req.query['maxPoints']), linkOrder(r.summary));
    res.json({ id: r.id, ...series, totals: totalsOf(lines) });
  });

  app.get('/api/runs/:id/percentiles', async (req, res) => {
    const r = run(req.params.id);
    res.json({ id: r.id, links: await loadPercentiles(r.files.histograms) });
  });

  app.get('/api/runs/:id/live', (req, res) => {
    serveLive(req, res, runsDir, run(req.params.id), live);
  });

  // live control from the run page's buttons (control.ts): behind the same gate as everything else
  app.get('/api/runs/:id/control', (req, res, next) => {
    controlState(run(req.params.id), res).catch(next);
  });
  app.post('/api/runs/:id/control', express.json({ limit: CONTROL_BODY_LIMIT }), (req, res, next) => {
    controlRun(req, res, run(req.params.id)).catch(next);
  });

  app.get('/api/runs/:id/files/report.html', (req, res) => {
    const r = run(req.params.id);
    const view = buildRunView(r, { percentiles: true, api: null });
    // Self-contained (inline scripts): it carries its own policy, which allows no network.
    res.set('Content-Security-Policy', reportCsp()).type('html').send(renderRunPage(view, 'inline'));
  });

  const RAW_FILES: Record<string, keyof RunFiles['files']> = { 'timeseries.ndjson': 'timeseries', 'histograms.hlog': 'histograms', 'junit.xml': 'junit' };
  app.get('/api/runs/:id/files/:name', (req, res) => {
    const r = run(req.params.id);
    const key = Object.hasOwn(RAW_FILES, req.params.name) ? RAW_FILES[req.params.name] : undefined;
    if (!key) {
      sendError(req, res, 404, 'NOT_FOUND', 'only timeseries.ndjson, histograms.hlog and junit.xml are served');
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(r.files[key]);
    } catch {
      sendError(req, res, 404, 'NOT_FOUND', `${req.params.name} is not in run ${r.id}`);
      return;
    }
    res.type(key === 'junit' ? 'application/xml' : 'text/plain').send(body);
  });

  app.use((req, res) => sendError(req, res, 404, 'NOT_FOUND', `nothing at ${req.path}`));

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (isUserError(err)) {
      const status = err.code === 'RUN_ID_INVALID' ? 400 : err.code === 'RUN_NOT_FOUND' ? 404 : 422;
      sendError(req, res, status, err.code, err.message);
      return;
    }
    const status = (err as { status?: unknown; type?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500 && typeof (err as { type?: unknown }).type === 'string') {
      // the JSON body parser refusing a request (too large, not JSON): the caller's mistake
      sendError(req, res, status, 'BAD_REQUEST', (err as Error).message);
      return;
    }
    process.stderr.write(`peakdrill dashboard: ${(err as Error)?.stack ?? String(err)}\n`);
    sendError(req, res, 500, 'INTERNAL', 'the dashboard failed to read this run (details on its stderr)');
  });
  return app;
}
