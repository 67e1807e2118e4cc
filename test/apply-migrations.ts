import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Each test file starts with fresh storage; migrations are idempotent within a file.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
