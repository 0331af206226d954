// Original file: proto/distillery/engine/v1/engine.proto


export interface GenerateResponse {
  /**
   * the new text; a partial character or a tail that may become a stop string is held back
   */
  'text'?: (string);
  /**
   * the new tokens (a stop token or eos is not included)
   */
  'tokenIds'?: (number)[];
  /**
   * "" until the last response: "stop" (eos, stop token or string), "length", "abort"
   */
  'finishReason'?: (string);
  'promptTokens'?: (number);
  /**
   * so far
   */
  'completionTokens'?: (number);
  /**
   * prompt tokens the prefix cache supplied
   */
  'cachedTokens'?: (number);
}

export interface GenerateResponse__Output {
  /**
   * the new text; a partial character or a tail that may become a stop string is held back
   */
  'text': (string);
  /**
   * the new tokens (a stop token or eos is not included)
   */
  'tokenIds': (number)[];
  /**
   * "" until the last response: "stop" (eos, stop token or string), "length", "abort"
   */
  'finishReason': (string);
  'promptTokens': (number);
  /**
   * so far
   */
  'completionTokens': (number);
  /**
   * prompt tokens the prefix cache supplied
   */
  'cachedTokens': (number);
}
