/** The Worker: HTTP (channel URIs, API), the order queue's consumer and the Cron Triggers. */
import { createApp } from "./app";
import type { WorkerEnv } from "./env";
import { handleQueue } from "./jobs/consumer";
import { handleScheduled } from "./jobs/schedule";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env) => handleQueue(batch, env),
  scheduled: (controller, env) => handleScheduled(controller, env),
} satisfies ExportedHandler<WorkerEnv>;
