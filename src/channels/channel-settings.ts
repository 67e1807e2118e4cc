/**
 * A channel's type-specific settings: the public ones live as JSON on the channel row, the
 * credentials sealed beside them (see lib/secret-box.ts). Only the names of the credentials a
 * channel holds are ever shown.
 */
import { z } from "zod";
import { AppError } from "../lib/errors";
import { seal, unseal } from "../lib/secret-box";
import type { ChannelSettings } from "./types";

/** How often the inbox sweeps a store it can read (reconciliation), for every type that has a reconciler. */
export const sweepEveryMinutes = z.number().int().min(5).max(1440).optional().meta({ title: "Sweep the store every … minutes" });

/** A fake store's address in tests: any http(s) URL, accepted only where insecure store URLs are allowed. */
export const isTestStoreUrl = (value: string, allowInsecureStoreUrls: boolean): boolean => allowInsecureStoreUrls && /^https?:\/\/\S+$/.test(value);

export interface StoredSettings {
  settings: string;
  sealedSettings: string | null;
  credentialKeys: string;
}

/**
 * Merges a create or update request into what the channel holds. A credential given as null is
 * removed; one not mentioned is kept.
 */
export async function mergeSettings(
  definition: ChannelSettings<Record<string, unknown>> | undefined,
  current: StoredSettings,
  input: Record<string, unknown>,
  settingsKey: string | undefined,
): Promise<StoredSettings> {
  const { settings: settingsJson, sealedSettings, credentialKeys } = current;
  if (!definition) return { settings: settingsJson, sealedSettings, credentialKeys };
  const settings = JSON.parse(settingsJson) as Record<string, unknown>;
  const sealedKeys = new Set(definition.sealed);
  const credentialChanges = Object.entries(input).filter(([key, value]) => sealedKeys.has(key) && value !== undefined);
  for (const [key, value] of Object.entries(input)) {
    if (!sealedKeys.has(key) && value !== undefined) settings[key] = value;
  }
  if (credentialChanges.length === 0) return { settings: JSON.stringify(settings), sealedSettings, credentialKeys };

  if (!settingsKey) {
    throw new AppError("bad_environment", "The SETTINGS_KEY secret is not set, so credentials cannot be stored: set it (see the README) and try again");
  }
  const credentials = sealedSettings ? await unseal<Record<string, string>>(settingsKey, sealedSettings) : {};
  for (const [key, value] of credentialChanges) {
    if (value === null) delete credentials[key];
    else credentials[key] = value as string;
  }
  const keys = Object.keys(credentials).sort();
  return {
    settings: JSON.stringify(settings),
    sealedSettings: keys.length ? await seal(settingsKey, credentials) : null,
    credentialKeys: JSON.stringify(keys),
  };
}

export async function openCredentials(sealedSettings: string | null, settingsKey: string | undefined): Promise<Record<string, string>> {
  if (!sealedSettings) return {};
  if (!settingsKey) throw new AppError("bad_environment", "The SETTINGS_KEY secret is not set, so the channel's credentials cannot be read");
  return unseal<Record<string, string>>(settingsKey, sealedSettings);
}
