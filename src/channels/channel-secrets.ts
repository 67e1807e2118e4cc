/**
 * Channel secrets at rest. A signing secret is also, for some stores, an API credential (Mozello's
 * API key), so every secret is sealed with SETTINGS_KEY when the Worker has one, and opened only
 * where it is used: verifying a delivery, calling the store. Rows from before sealing stay readable.
 */
import { AppError } from "../lib/errors";
import { seal, unseal } from "../lib/secret-box";

const SEALED = "sealed:";

export async function sealSecret(secret: string, settingsKey: string | undefined): Promise<string> {
  return settingsKey ? `${SEALED}${await seal(settingsKey, secret)}` : secret;
}

export async function openSecret(stored: string, settingsKey: string | undefined): Promise<string> {
  if (!stored.startsWith(SEALED)) return stored;
  if (!settingsKey) throw new AppError("bad_environment", "The SETTINGS_KEY secret is not set, so the channel's secrets cannot be opened");
  return unseal<string>(settingsKey, stored.slice(SEALED.length));
}

export const hintOf = (secret: string) => secret.slice(-4);
