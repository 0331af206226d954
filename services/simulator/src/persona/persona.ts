import type { GoalKind, SwitchKind } from '../campaigns/campaign-spec.js';
import type { PhrasingSide } from './phrasing-side.js';

export const WEEKDAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type WeekdayName = (typeof WEEKDAY_NAMES)[number];

/** The vehicle a persona is after, in the words of the inventory (a search must be able to find one). */
export interface VehicleCriteria {
  readonly body: string;
  readonly fuel?: string;
  readonly maxPrice: number;
  readonly minYear?: number;
  readonly make?: string;
  readonly model?: string;
}

/** The customer's own car, for a trade-in. */
export interface TradeIn {
  readonly year: number;
  readonly make: string;
  readonly model: string;
  readonly mileage: number;
  readonly condition: 'excellent' | 'good' | 'fair' | 'poor';
}

/** What the persona wants out of the conversation, and everything it needs to ask for it. */
export interface Goal {
  readonly kind: GoalKind;
  /** The goal in one sentence, as the `llm` policy's prompt and the campaign's records show it. */
  readonly description: string;
  readonly criteria?: VehicleCriteria;
  /** A VIN the customer brings from the website listing: no search needed. */
  readonly knownVin?: string;
  readonly day?: WeekdayName;
  readonly hour?: number;
  readonly termMonths?: number;
  readonly downPayment?: number;
  readonly creditTier?: string;
  readonly tradeIn?: TradeIn;
  readonly deposit?: number;
  readonly lot?: string;
  /** What the customer wants a person for (hand-off goals). */
  readonly handOffTopic?: string;
}

/** The business switch planned for a conversation: which, and which rule or tool. */
export interface PlannedSwitch {
  readonly kind: SwitchKind;
  /** rule_change: the name of the rule variant (see business-switches). */
  readonly rule?: string;
  /** tool_added: the tool that is off at the start and appears mid-conversation. */
  readonly tool?: string;
  /** The customer turn (1-based) before which the `llm` policy's switch happens; the reference persona picks its own moment. */
  readonly atTurn: number;
}

/** How this persona talks. */
export interface PersonaStyle {
  /** Share of utterances with a typo. */
  readonly typoRate: number;
  readonly indirect: boolean;
  readonly chatty: boolean;
  readonly patience: number;
}

/** One-off moves this persona makes once in the conversation. */
export interface PersonaMoves {
  readonly changeOfMind: boolean;
  readonly multiIntent: boolean;
  readonly outOfScope: boolean;
  readonly injection: boolean;
}

/**
 * A simulated customer: who they are (a customer of the dealership, with their profile), what
 * they want, how they talk and what they will try. Drawn deterministically from the campaign's
 * seed and the conversation's index.
 */
export interface Persona {
  readonly index: number;
  /** Seeds the persona's own choices during the conversation (phrasing, picks). */
  readonly seed: number;
  /** The side of the wordings and traits this persona draws from (the campaign's `phrasing`); absent: training. */
  readonly phrasing?: PhrasingSide;
  readonly customerRef: string;
  readonly name: string;
  readonly creditTier: string | null;
  readonly licenceOnFile: boolean;
  readonly topic: string;
  readonly goal: Goal;
  readonly style: PersonaStyle;
  readonly moves: PersonaMoves;
  readonly switch?: PlannedSwitch;
}
