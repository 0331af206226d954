// Original file: proto/distillery/agents/v1/agents.proto


export interface VehicleStatusChange {
  'vin'?: (string);
  /**
   * true: sold (no longer offered); false: back on sale
   */
  'sold'?: (boolean);
}

export interface VehicleStatusChange__Output {
  'vin': (string);
  /**
   * true: sold (no longer offered); false: back on sale
   */
  'sold': (boolean);
}
