import { safeText } from '@distillery/contracts';
import { issueLines } from '@distillery/service-kit';
import { z } from 'zod';
import type { BuildRequest } from '../building/dataset-build.service.js';
import { InvalidBuildRequestError } from '../errors/invalid-build-request.error.js';

/** The longest campaign id taken (the simulator's are at most 80 characters). */
export const MAX_CAMPAIGN_ID_LENGTH = 200;

const campaignRequestSchema = z.strictObject({ campaignId: safeText(MAX_CAMPAIGN_ID_LENGTH).min(1) });
const allRequestSchema = z.strictObject({ all: z.literal(true) });
const SHAPE = 'expected {"campaignId": "<id>"} or {"all": true}';

/**
 * The body of POST /curator/datasets: `{"campaignId": "…"}` or `{"all": true}`. Throws
 * InvalidBuildRequestError naming each problem's field (the form the body's keys choose).
 */
export function parseBuildRequest(body: unknown): BuildRequest {
  const form = typeof body === 'object' && body !== null && !Array.isArray(body) ? ('all' in body ? allRequestSchema : 'campaignId' in body ? campaignRequestSchema : undefined) : undefined;
  if (!form) throw new InvalidBuildRequestError([`body: ${SHAPE}`]);
  const parsed = form.safeParse(body);
  if (!parsed.success) throw new InvalidBuildRequestError(issueLines(parsed.error.issues), parsed.error.issues.length);
  return parsed.data;
}
