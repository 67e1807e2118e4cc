/**
 * @module
 * Password hashing for the people who sign in with a password rather than through Cloudflare
 * Access: PBKDF2-HMAC-SHA256 from WebCrypto (the Workers runtime has no bcrypt, scrypt or Argon2),
 * stored as `pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>` with standard, padded base64.
 * Node's `pbkdf2Sync(password.normalize("NFC"), salt, iterations, 32, "sha256")` computes the same
 * hash, so a stored value can be written outside the Worker (test/people/passwords.test.ts pins it).
 */
import { fromBase64, timingSafeEqual, toBase64, utf8 } from "../lib/encoding";

/**
 * Cloudflare's production runtime refuses PBKDF2 above 100,000 iterations (a DOMException
 * NotSupportedError, "Pbkdf2 failed: iteration counts above 100000 are not supported"): the cap
 * dates from the 50 ms CPU limit, since BoringSSL cannot be interrupted mid-derivation
 * (https://github.com/cloudflare/workerd/issues/1346, open). Open-source workerd, and so
 * `wrangler dev` and the tests, no longer enforces it (cloudflare/workerd#1471): going above it
 * would pass every local test and fail every sign-in in production. OWASP asks 600,000 for
 * PBKDF2-SHA256; this is the most the platform allows. The count is stored with each hash, so it
 * can rise when the platform lets it.
 */
export const PASSWORD_ITERATIONS = 100_000;
/** The most a stored value may ask for: what production computes, and a bound on the work one sign-in can cost. */
const MAX_ITERATIONS = 100_000;
const SCHEME = "pbkdf2-sha256";
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const MIN_LENGTH = 12;
const MAX_LENGTH = 256;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey("raw", utf8.encode(password.normalize("NFC")), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, material, HASH_BYTES * 8);
  return new Uint8Array(bits);
}

/** A fresh salt each time: `pbkdf2-sha256$100000$<base64 16-byte salt>$<base64 32-byte hash>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, PASSWORD_ITERATIONS);
  return `${SCHEME}$${PASSWORD_ITERATIONS}$${toBase64(salt)}$${toBase64(hash)}`;
}

/** False for a wrong password and for a stored value that is not one of ours; the hash is compared in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 4) return false;
  const [scheme, iterationText, saltText, hashText] = parts;
  if (scheme !== SCHEME || !/^[1-9][0-9]{0,6}$/.test(iterationText)) return false;
  const iterations = Number(iterationText);
  if (iterations > MAX_ITERATIONS) return false;
  if (!BASE64.test(saltText) || !BASE64.test(hashText)) return false;
  const salt = fromBase64(saltText);
  const expected = fromBase64(hashText);
  if (!salt || salt.length < SALT_BYTES || !expected || expected.length !== HASH_BYTES) return false;
  return timingSafeEqual(await derive(password, salt, iterations), expected);
}

/** Null when the password is acceptable; otherwise a sentence to show the person choosing it. */
export function passwordProblem(password: string): string | null {
  const characters = [...password.normalize("NFC")];
  if (characters.length < MIN_LENGTH) return `Use at least ${MIN_LENGTH} characters (this one has ${characters.length}).`;
  if (characters.length > MAX_LENGTH) return `Use at most ${MAX_LENGTH} characters (this one has ${characters.length}).`;
  if (characters.every((character) => character === characters[0])) return "Use different characters: one character repeated is the first thing anyone would guess.";
  return null;
}
