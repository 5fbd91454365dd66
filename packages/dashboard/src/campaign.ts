// The runs of one campaign in a runs folder, with their notes, as readiness (core/verdict/campaign).

import { campaignReadiness, listRuns, readRunNotes, type CampaignReadiness } from '@peakdrill/core';

/** null when no finished run of the folder belongs to the campaign. */
export function campaignOf(runsDir: string, name: string): CampaignReadiness | null {
  const runs = listRuns(runsDir)
    .filter((e) => e.summary !== null && e.summary.status !== 'running' && e.summary.plan?.campaign === name)
    .map((e) => ({ id: e.id, summary: e.summary!, notes: readRunNotes(e.path) }));
  return runs.length > 0 ? campaignReadiness(name, runs) : null;
}
