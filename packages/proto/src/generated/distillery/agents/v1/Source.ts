// Original file: proto/distillery/agents/v1/agents.proto

export const Source = {
  SOURCE_UNSPECIFIED: 'SOURCE_UNSPECIFIED',
  /**
   * a real customer through a product app
   */
  PRODUCTION: 'PRODUCTION',
  /**
   * a simulated customer of a campaign
   */
  SIMULATION: 'SIMULATION',
} as const;

export type Source =
  | 'SOURCE_UNSPECIFIED'
  | 0
  /**
   * a real customer through a product app
   */
  | 'PRODUCTION'
  | 1
  /**
   * a simulated customer of a campaign
   */
  | 'SIMULATION'
  | 2

export type Source__Output = typeof Source[keyof typeof Source]
