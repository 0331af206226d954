import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ArtifactRef as _distillery_common_v1_ArtifactRef, ArtifactRef__Output as _distillery_common_v1_ArtifactRef__Output } from './distillery/common/v1/ArtifactRef.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  distillery: {
    common: {
      v1: {
        ArtifactRef: MessageTypeDefinition<_distillery_common_v1_ArtifactRef, _distillery_common_v1_ArtifactRef__Output>
      }
    }
  }
}

