import { DATABASE } from '@distillery/service-kit';
import type { Database } from '@distillery/storage';
import { type DynamicModule, Module } from '@nestjs/common';
import { ArtifactsController } from './artifacts/artifacts.controller.js';
import { AgentsChat } from './chat/agents-chat.js';
import { ChatController } from './chat/chat.controller.js';
import { CONSOLE_OPTIONS, type ConsoleOptions } from './console-options.js';
import { FaviconController } from './http/favicon.controller.js';
import { RunsController } from './runs/runs.controller.js';
import { TraceReader } from './traces/trace-reader.js';
import { TracesController } from './traces/traces.controller.js';

/**
 * The web console under `/console`, for a platform that runs the services it shows (the agents and
 * the judge for the traces and the chat; the artifact store for runs, datasets and checkpoints):
 * pass it to startApp's `modules`.
 */
@Module({})
export class ConsoleModule {
  static forRoot(options: ConsoleOptions = {}): DynamicModule {
    return {
      module: ConsoleModule,
      controllers: [RunsController, ArtifactsController, TracesController, ChatController, FaviconController],
      providers: [
        { provide: CONSOLE_OPTIONS, useValue: options },
        { provide: TraceReader, inject: [DATABASE], useFactory: (database: Database) => new TraceReader(database) },
        AgentsChat,
      ],
    };
  }
}
