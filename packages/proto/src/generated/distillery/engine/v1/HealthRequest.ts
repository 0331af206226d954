// Original file: proto/distillery/engine/v1/engine.proto


export interface HealthRequest {
}

export interface HealthRequest__Output {
}
