import { z } from 'zod';
import { defineContract } from '../contract.js';
import { agentRoleSchema, turnIdentityShape } from './traces-raw.message.js';

/** The judge's verdict on one agent call: y, the refined y*, and why. */
export const refinedCallSchema = z.object({
  callId: z.string().min(1),
  agent: agentRoleSchema,
  prompt: z.string(),
  output: z.string(),
  refined: z.string(),
  verdict: z.enum(['accepted', 'corrected', 'rejected']),
  reasons: z.array(z.string()),
});

export const traceRefinedSchema = z.object({
  ...turnIdentityShape,
  rawEventId: z.string().min(1),
  judge: z.object({ backend: z.string().min(1), model: z.string().min(1), seed: z.number().int().optional() }),
  calls: z.array(refinedCallSchema),
});

export type TraceRefined = z.infer<typeof traceRefinedSchema>;

export const traceRefinedContract = defineContract({
  topic: 'traces.refined',
  version: 1,
  schema: traceRefinedSchema,
  description: "The judge's refinement of one traces.raw turn: for every agent call, the refined output y* and a verdict with reasons.",
  keyDescription: 'conversationId — same partitioning as traces.raw',
  key: (trace) => trace.conversationId,
  example: {
    conversationId: 'conv_01J9Z3',
    turnId: 'turn_01J9Z3_2',
    turnIndex: 2,
    tenant: 'acme-motors',
    campaignId: 'camp_2026_11_24_a',
    rawEventId: '0b9f6f0e-3f7a-4a5e-9a57-0d2c8e3b1f10',
    judge: { backend: 'reference', model: 'reference-judge', seed: 7 },
    calls: [
      {
        callId: 'call_1',
        agent: 'understander',
        prompt: '<full rendered prompt>',
        output: '{"intents":["schedule_test_drive"],"vin":"2T3P1RFV8RC12345"}',
        refined: '{"intents":["schedule_test_drive"],"vin":"2T3P1RFV8RC123456"}',
        verdict: 'corrected',
        reasons: ['entity vin does not match the vehicle named by the customer'],
      },
    ],
  },
});
