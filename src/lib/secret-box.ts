/**
 * Credentials at rest (store API tokens): AES-256-GCM with the Worker secret SETTINGS_KEY
 * (32 random bytes, base64). A sealed value is "v1.<iv>.<ciphertext>", both base64url; the version
 * prefix leaves room to rotate the algorithm or the key later.
 */
import { fromBase64, toBase64Url, utf8 } from "./encoding";

export class SecretBoxError extends Error {
  override name = "SecretBoxError";
}

const keys = new Map<string, Promise<CryptoKey>>();

function keyFrom(settingsKey: string): Promise<CryptoKey> {
  let key = keys.get(settingsKey);
  if (!key) {
    const raw = fromBase64(settingsKey);
    if (!raw || raw.length !== 32) throw new SecretBoxError("SETTINGS_KEY must be 32 random bytes, base64-encoded");
    key = crypto.subtle.importKey("raw", raw as BufferSource, "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(settingsKey, key);
  }
  return key;
}

const fromBase64Url = (text: string) => fromBase64(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));

export async function seal(settingsKey: string, value: unknown): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await keyFrom(settingsKey), utf8.encode(JSON.stringify(value)) as BufferSource);
  return `v1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(data))}`;
}

export async function unseal<T = unknown>(settingsKey: string, sealed: string): Promise<T> {
  const [version, ivText, dataText] = sealed.split(".");
  const iv = ivText ? fromBase64Url(ivText) : null;
  const data = dataText ? fromBase64Url(dataText) : null;
  if (version !== "v1" || !iv || !data) throw new SecretBoxError("not a sealed value");
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: iv as BufferSource }, await keyFrom(settingsKey), data as BufferSource);
    return JSON.parse(new TextDecoder().decode(plain)) as T;
  } catch {
    throw new SecretBoxError("the sealed value does not open with this SETTINGS_KEY");
  }
}
