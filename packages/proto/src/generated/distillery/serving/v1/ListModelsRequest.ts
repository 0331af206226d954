// Original file: proto/distillery/serving/v1/serving.proto


export interface ListModelsRequest {
}

export interface ListModelsRequest__Output {
}
