/**
 * Users, their dashboard sessions and the failed sign-ins: the only module that speaks SQL to
 * users, user_sessions and sign_in_failures.
 */
import { asc, eq } from "drizzle-orm";
import type { Database } from "../context";
import { users, type UserRow } from "../db/schema";

export async function listUsers(db: Database): Promise<UserRow[]> {
  return db.select().from(users).orderBy(asc(users.disabledAt), asc(users.name), asc(users.id));
}

export async function userById(db: Database, id: string): Promise<UserRow | null> {
  return (await db.select().from(users).where(eq(users.id, id)).get()) ?? null;
}

export async function userByEmail(db: Database, email: string): Promise<UserRow | null> {
  return (await db.select().from(users).where(eq(users.email, email)).get()) ?? null;
}

export async function countUsers(d1: D1Database): Promise<number> {
  return (await d1.prepare("SELECT COUNT(*) AS count FROM users").first<number>("count")) ?? 0;
}

/** Inserts a user unless the e-mail is taken; false when it is. */
export async function insertUser(d1: D1Database, user: UserRow, also: D1PreparedStatement[] = []): Promise<boolean> {
  const [inserted] = await d1.batch([
    d1
      .prepare(
        "INSERT INTO users (id, email, name, role, password_hash, disabled_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (email) DO NOTHING",
      )
      .bind(user.id, user.email, user.name, user.role, user.passwordHash, user.disabledAt, user.createdAt, user.updatedAt),
    // What goes with the user (its audit entry) is written only if the user was.
    ...also.map((statement) => statement),
  ]);
  return (inserted.meta.changes ?? 0) > 0;
}

/**
 * Rewrites a user; a user disabled or given a new password loses every session in the same
 * transaction, so a live session stops working on its very next request.
 */
export function updateUserStatements(d1: D1Database, user: UserRow, options: { endSessions: boolean }): D1PreparedStatement[] {
  return [
    d1
      .prepare("UPDATE users SET name = ?2, role = ?3, password_hash = ?4, disabled_at = ?5, updated_at = ?6 WHERE id = ?1")
      .bind(user.id, user.name, user.role, user.passwordHash, user.disabledAt, user.updatedAt),
    ...(options.endSessions ? [d1.prepare("DELETE FROM user_sessions WHERE user_id = ?1").bind(user.id)] : []),
  ];
}

export async function runStatements(d1: D1Database, statements: D1PreparedStatement[]): Promise<void> {
  await d1.batch(statements);
}

// ---------------------------------------------------------------------------------------------
// Sessions

export async function insertSession(d1: D1Database, session: { id: string; userId: string; createdAt: number; expiresAt: number }): Promise<void> {
  await d1
    .prepare("INSERT INTO user_sessions (id, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)")
    .bind(session.id, session.userId, session.createdAt, session.expiresAt)
    .run();
}

/** The user behind a live session: none when the session is unknown, expired or its user disabled. */
export async function userOfSession(d1: D1Database, sessionId: string, now: number): Promise<UserRow | null> {
  const row = await d1
    .prepare(
      `SELECT u.id, u.email, u.name, u.role, u.password_hash AS passwordHash, u.disabled_at AS disabledAt, u.created_at AS createdAt, u.updated_at AS updatedAt
       FROM user_sessions s JOIN users u ON u.id = s.user_id
       WHERE s.id = ?1 AND s.expires_at > ?2 AND u.disabled_at IS NULL`,
    )
    .bind(sessionId, now)
    .first<UserRow>();
  return row ?? null;
}

export async function deleteSession(d1: D1Database, sessionId: string): Promise<void> {
  await d1.prepare("DELETE FROM user_sessions WHERE id = ?1").bind(sessionId).run();
}

export async function deleteExpiredSessions(d1: D1Database, now: number): Promise<number> {
  const result = await d1.prepare("DELETE FROM user_sessions WHERE expires_at <= ?1").bind(now).run();
  return result.meta.changes ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Failed sign-ins

export async function failuresSince(d1: D1Database, email: string, ip: string, since: number): Promise<{ email: number; ip: number; oldest: number | null }> {
  const row = await d1
    .prepare(
      `SELECT (SELECT COUNT(*) FROM sign_in_failures WHERE email = ?1 AND at > ?3) AS email,
              (SELECT COUNT(*) FROM sign_in_failures WHERE ip = ?2 AND at > ?3) AS ip,
              (SELECT MIN(at) FROM sign_in_failures WHERE (email = ?1 OR ip = ?2) AND at > ?3) AS oldest`,
    )
    .bind(email, ip, since)
    .first<{ email: number; ip: number; oldest: number | null }>();
  return row ?? { email: 0, ip: 0, oldest: null };
}

/** Records a failure and forgets those older than `forgetBefore`, in one transaction. */
export async function recordFailure(d1: D1Database, failure: { id: string; email: string; ip: string; at: number }, forgetBefore: number): Promise<void> {
  await d1.batch([
    d1.prepare("INSERT INTO sign_in_failures (id, email, ip, at) VALUES (?1, ?2, ?3, ?4)").bind(failure.id, failure.email, failure.ip, failure.at),
    d1.prepare("DELETE FROM sign_in_failures WHERE at < ?1").bind(forgetBefore),
  ]);
}

export async function clearFailures(d1: D1Database, email: string): Promise<void> {
  await d1.prepare("DELETE FROM sign_in_failures WHERE email = ?1").bind(email).run();
}
