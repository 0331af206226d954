// Original file: proto/distillery/agents/v1/agents.proto


export interface VehicleStatusChange {
  /**
   * required, at most 128
   */
  'vin'?: (string);
  /**
   * true: sold (no longer offered); false: back on sale
   */
  'sold'?: (boolean);
}

export interface VehicleStatusChange__Output {
  /**
   * required, at most 128
   */
  'vin': (string);
  /**
   * true: sold (no longer offered); false: back on sale
   */
  'sold': (boolean);
}
