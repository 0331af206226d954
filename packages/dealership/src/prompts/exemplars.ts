import type { Exemplar } from './prompt-builder.js';

/** Few-shot exemplars for the production profile (the compact profile keeps the first of each). */
export const UNDERSTANDER_EXEMPLARS: readonly Exemplar[] = [
  {
    input: 'hi, any hybrid SUVs under 35k?',
    output: '{"intents":["search_inventory"],"entities":{"body":"suv","fuel":"hybrid","maxPrice":35000},"state":{},"outOfScope":false}',
  },
  {
    input: 'Can I drive the 2023 Civic (VIN 2HGFE2F59PH512345) this Saturday at 11?',
    output: '{"intents":["schedule_test_drive"],"entities":{"vin":"2HGFE2F59PH512345","slot":"saturday 11:00"},"state":{"vehicle":"2HGFE2F59PH512345"},"outOfScope":false}',
  },
  {
    input: 'what would my payments be over 60 months with 5000 down? and what are your hours',
    output: '{"intents":["estimate_financing","dealership_info"],"entities":{"termMonths":60,"downPayment":5000},"state":{},"outOfScope":false}',
  },
];

export const PLANNER_EXEMPLARS: readonly Exemplar[] = [
  {
    input: 'Customer: hi, any hybrid SUVs under 35k?\nUnderstanding: {"intents":["search_inventory"],"entities":{"body":"suv","fuel":"hybrid","maxPrice":35000},"state":{},"outOfScope":false}',
    output: 'const found = searchInventory({ body: "suv", fuel: "hybrid", maxPrice: 35000, limit: 5 });\nif (!found.ok) { return { error: found.error }; }\nreturn { vehicles: found.vehicles };',
  },
  {
    input: 'Customer: what are your opening hours?\nUnderstanding: {"intents":["dealership_info"],"entities":{},"state":{},"outOfScope":false}',
    output: 'const info = dealershipInfo({});\nreturn { info };',
  },
];

export const EXPLAINER_EXEMPLARS: readonly Exemplar[] = [
  {
    input: 'Customer: what are your opening hours?\nResults: {"info":{"ok":true,"locations":[{"name":"Downtown","hours":{"mon-fri":"09:00-19:00","sat":"10:00-16:00"}}]}}',
    output: 'Our Downtown lot is open Monday to Friday 9:00–19:00 and Saturday 10:00–16:00.',
  },
];
