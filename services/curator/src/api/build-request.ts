import { z } from 'zod';

/** The body of POST /curator/datasets: `{"campaignId": "…"}` or `{"all": true}`. */
export const buildRequestSchema = z.union([z.strictObject({ campaignId: z.string().min(1) }), z.strictObject({ all: z.literal(true) })], {
  error: 'expected {"campaignId": "<id>"} or {"all": true}',
});
