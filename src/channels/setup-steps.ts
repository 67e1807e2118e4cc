/**
 * A channel's set-up steps as plain text, for the API's `setup` list; the dashboard renders the
 * same steps as HTML (dashboard/setup-steps.tsx).
 */
import type { SetupPart, SetupStep } from "./types";

function partAsText(part: SetupPart, uri: string): string {
  if (typeof part === "string") return part;
  if ("menu" in part) return part.menu.join(" > ");
  if ("button" in part) return part.button;
  if ("value" in part) return `"${part.value}"`;
  if ("code" in part) return part.code;
  if ("uri" in part) return uri;
  return "Connect (POST /api/channels/:id/connect)";
}

export const setupStepsAsText = (steps: readonly SetupStep[], uri: string): string[] => steps.map((step) => step.map((part) => partAsText(part, uri)).join(""));
