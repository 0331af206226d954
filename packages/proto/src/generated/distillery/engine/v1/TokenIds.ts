// Original file: proto/distillery/engine/v1/engine.proto


export interface TokenIds {
  /**
   * each below the model's vocabulary size
   */
  'ids'?: (number)[];
}

export interface TokenIds__Output {
  /**
   * each below the model's vocabulary size
   */
  'ids': (number)[];
}
