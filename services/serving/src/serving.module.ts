import { Module } from '@nestjs/common';
import { ServingEventsController } from './models/serving-events.controller.js';
import { GatesController } from './http/gates.controller.js';
import { ModelsController } from './http/models.controller.js';
import { OpenAiController } from './http/openai.controller.js';
import { ServingLifecycle } from './serving-lifecycle.js';

/** The serving service's Nest module: the replica's runtime, the OpenAI API and the model registry's operator API. */
@Module({ controllers: [OpenAiController, ModelsController, GatesController, ServingEventsController], providers: [ServingLifecycle] })
export class ServingModule {}
