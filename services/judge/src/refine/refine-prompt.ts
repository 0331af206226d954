import type { ChatMessage } from '@distillery/llm';
import type { AgentCall } from './call-judgement.js';

const JUDGE_ROLE = [
  "You are the judge of a car dealership group's multi-agent customer assistant. You review one model call of one agent — its full prompt and its output y — and give the refined output y*: exactly what the agent should have answered to that prompt.",
  'Judge only from the prompt: the customer\'s words, the memory, the tools, the business rules and the results it shows. Automatic checks of y are listed for you; an output that fails them cannot be accepted.',
].join('\n');

const FORMAT = [
  'One JSON object and nothing else: {"verdict": "accepted" | "corrected" | "rejected", "refined": string, "reasons": [string, ...]}.',
  '- accepted: y is right as it is; refined is y unchanged; reasons is [].',
  "- corrected: y is wrong; refined is the whole corrected output in the agent's own output format (not a description of it), and it must pass the automatic checks; reasons name each thing that was wrong (the field, tool or fact).",
  '- rejected: the call cannot be used for training (a broken prompt, or no right answer can be given); refined is ""; reasons say why.',
].join('\n');

/**
 * Φ_refine for one call: the judge's role and output format, what a right output of this agent
 * is, the automatic checks' findings, then the agent's prompt and its output. The LLM judge sends
 * it; both judges record it with their verdict, so every verdict can be audited.
 */
export function refinePrompt(call: AgentCall, rubric: string | undefined, findings: readonly string[]): ChatMessage[] {
  const checks = findings.length ? findings.map((finding) => `- ${finding}`).join('\n') : '- none failed';
  return [
    { role: 'system', content: `${JUDGE_ROLE}\n\n## Output format\n${FORMAT}` },
    {
      role: 'user',
      content: [
        `## Agent\n${call.agent} (call ${call.callId}, attempt ${call.attempt})`,
        `## What a right ${call.agent} output is\n${rubric ?? `No rules are known for the ${call.agent}.`}`,
        `## Automatic checks of the output\n${checks}`,
        `## The agent's prompt\n${call.prompt}`,
        `## The agent's output (y)\n${call.output}`,
      ].join('\n\n'),
    },
  ];
}
