/**
 * Signing in with an e-mail and a password, for teams without Cloudflare Access (and locally).
 *
 * - Guessing is slowed: after 5 failures for one e-mail, or 30 from one address, within 15
 *   minutes, sign-in answers 429 until the oldest failure is 15 minutes old.
 * - A session is a random 256-bit token in the cookie; D1 holds only its SHA-256, with the user
 *   and the expiry. Signing out deletes the row; disabling a user or setting a new password
 *   deletes all of theirs (src/people/user-store.ts), so a live session stops on its next request.
 */
import type { Services } from "../context";
import type { UserRow } from "../db/schema";
import { toBase64Url, toHex } from "../lib/encoding";
import { AppError } from "../lib/errors";
import { sha256 } from "../lib/hmac";
import { auditEntry } from "./audit";
import { insertAudit } from "./audit-store";
import { actorOfUser } from "./actors";
import { hashPassword, verifyPassword } from "./passwords";
import {
  clearFailures,
  countUsers,
  deleteSession,
  failuresSince,
  insertSession,
  recordFailure,
  userByEmail,
  userOfSession,
} from "./user-store";

/** A working day: a bookkeeper signs in once in the morning. */
export const SESSION_MS = 12 * 60 * 60 * 1000;
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_EMAIL = 5;
export const MAX_FAILURES_PER_ADDRESS = 30;

/** Hashed once per isolate: an unknown e-mail costs the same PBKDF2 work as a known one, so timing tells nothing. */
let decoyHash: Promise<string> | undefined;

export const sessionIdOf = async (token: string) => toHex(await sha256(token));

export interface SignedIn {
  token: string;
  user: UserRow;
  expiresAt: number;
}

export async function signInWithPassword(services: Services, input: { email: string; password: string; ip: string }): Promise<SignedIn> {
  const now = services.now();
  const email = input.email.trim().toLowerCase();
  const failures = await failuresSince(services.d1, email, input.ip, now - FAILURE_WINDOW_MS);
  if (failures.email >= MAX_FAILURES_PER_EMAIL || failures.ip >= MAX_FAILURES_PER_ADDRESS) {
    const minutes = Math.max(1, Math.ceil(((failures.oldest ?? now) + FAILURE_WINDOW_MS - now) / 60_000));
    throw new AppError("too_many_attempts", `Too many failed sign-ins: try again in ${minutes} minute${minutes === 1 ? "" : "s"}`);
  }
  const user = await userByEmail(services.db, email);
  const stored = user?.passwordHash ?? (await (decoyHash ??= hashPassword("a password nobody has, for timing")));
  const matches = (await verifyPassword(input.password, stored)) && Boolean(user?.passwordHash);
  if (!user || !matches || user.disabledAt !== null) {
    await recordFailure(services.d1, { id: crypto.randomUUID(), email, ip: input.ip, at: now }, now - 24 * 60 * 60 * 1000);
    // A disabled user learns no more than a wrong password would tell.
    throw new AppError("unauthorized", "The e-mail or the password is wrong");
  }
  await clearFailures(services.d1, email);
  const token = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  const expiresAt = now + SESSION_MS;
  await insertSession(services.d1, { id: await sessionIdOf(token), userId: user.id, createdAt: now, expiresAt });
  await insertAudit(
    services.d1,
    auditEntry(actorOfUser(user), now, { action: "session.sign_in", subjectType: "user", subjectId: user.id, summary: `${user.name} signed in with a password from ${input.ip}` }),
  );
  return { token, user, expiresAt };
}

/** The user a session token stands for; null when it is unknown, expired, signed out or its user disabled. */
export async function userOfSessionToken(services: Services, token: string | undefined): Promise<UserRow | null> {
  if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  return userOfSession(services.d1, await sessionIdOf(token), services.now());
}

export async function signOut(services: Services, token: string | undefined): Promise<void> {
  if (token) await deleteSession(services.d1, await sessionIdOf(token));
}

export const hasUsers = async (services: Services) => (await countUsers(services.d1)) > 0;
