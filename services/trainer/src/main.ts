/**
 * The trainer service, alone in its process:
 *   DISTILLERY_MODE=distributed DISTILLERY_KAFKA_BROKERS=127.0.0.1:9092 \
 *   DISTILLERY_DATABASE_URL=postgres://distillery:distillery@127.0.0.1:54329/distillery node services/trainer/dist/src/main.js
 */
import { runService } from '@distillery/service-kit';
import { trainerService } from './trainer.service-definition.js';

await runService(trainerService);
