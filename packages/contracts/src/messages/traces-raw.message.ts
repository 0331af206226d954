import { z } from 'zod';
import { defineContract } from '../contract.js';

export const AGENT_ROLES = ['understander', 'planner', 'evaluator', 'executor', 'explainer'] as const;
export const agentRoleSchema = z.enum(AGENT_ROLES);

/** One model call made by one agent during a turn: the training pair (prompt, output) and its cost. */
export const agentCallSchema = z.object({
  callId: z.string().min(1),
  agent: agentRoleSchema,
  attempt: z.number().int().min(1),
  prompt: z.string(),
  output: z.string(),
  backend: z.string().min(1),
  model: z.string().min(1),
  latencyMs: z.number().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
});

export const toolCallSchema = z.object({
  tool: z.string().min(1),
  args: z.record(z.string(), z.unknown()),
  ok: z.boolean(),
  result: z.unknown().optional(),
  error: z.string().optional(),
  latencyMs: z.number().nonnegative(),
});

export const halsteadSchema = z.object({
  vocabulary: z.number().nonnegative(),
  length: z.number().nonnegative(),
  volume: z.number().nonnegative(),
  difficulty: z.number().nonnegative(),
  effort: z.number().nonnegative(),
});

/** Which turn of which conversation, for whom: shared by traces.raw and traces.refined. */
export const turnIdentityShape = {
  conversationId: z.string().min(1),
  turnId: z.string().min(1),
  turnIndex: z.number().int().nonnegative(),
  tenant: z.string().min(1),
  campaignId: z.string().optional(),
};

export const traceRawSchema = z.object({
  ...turnIdentityShape,
  source: z.enum(['production', 'simulation']),
  userMessage: z.string(),
  reply: z.string(),
  calls: z.array(agentCallSchema),
  toolCalls: z.array(toolCallSchema),
  plan: z
    .object({ code: z.string(), halstead: halsteadSchema, llmEvaluatorRan: z.boolean(), replans: z.number().int().nonnegative() })
    .optional(),
});

export type TraceRaw = z.infer<typeof traceRawSchema>;

export const traceRawContract = defineContract({
  topic: 'traces.raw',
  version: 1,
  schema: traceRawSchema,
  description: 'One conversation turn of the agents service: every agent call (full prompt and output), tool calls, the plan and the reply.',
  keyDescription: 'conversationId — all turns of a conversation stay in order on one partition',
  key: (trace) => trace.conversationId,
  example: {
    conversationId: 'conv_01J9Z3',
    turnId: 'turn_01J9Z3_2',
    turnIndex: 2,
    tenant: 'acme-motors',
    source: 'simulation',
    campaignId: 'camp_2026_11_24_a',
    userMessage: 'Can I test drive the blue RAV4 on Saturday morning?',
    reply: 'Booked: Saturday 10:00 for the 2024 Toyota RAV4 XLE (VIN 2T3P1RFV8RC123456).',
    calls: [
      {
        callId: 'call_1',
        agent: 'understander',
        attempt: 1,
        prompt: '<full rendered prompt>',
        output: '{"intents":["schedule_test_drive"]}',
        backend: 'reference',
        model: 'reference-policy',
        latencyMs: 3.2,
        inputTokens: 412,
        outputTokens: 18,
      },
    ],
    toolCalls: [
      { tool: 'scheduleTestDrive', args: { vin: '2T3P1RFV8RC123456', slot: '2026-11-28T10:00' }, ok: true, result: { bookingId: 'td_77' }, latencyMs: 0.8 },
    ],
    plan: {
      code: 'const r = scheduleTestDrive({vin: "2T3P1RFV8RC123456", slot: "2026-11-28T10:00"}); return r;',
      halstead: { vocabulary: 9, length: 12, volume: 38.04, difficulty: 3.5, effort: 133.1 },
      llmEvaluatorRan: false,
      replans: 0,
    },
  },
});
