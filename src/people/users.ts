/**
 * The people who work the inbox: an owner adds them with a role, changes the role, resets a
 * password or disables them. Nobody is deleted (the audit trail keeps their name), and the last
 * owner who can still sign in cannot be demoted or disabled, so the inbox never locks itself out.
 */
import { z } from "zod";
import type { Services } from "../context";
import type { UserRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { auditEntry } from "./audit";
import { auditStatement } from "./audit-store";
import { hashPassword, passwordProblem } from "./passwords";
import { ROLES, type Role } from "./roles";
import { insertUser, listUsers, runStatements, updateUserStatements, userById } from "./user-store";

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+$/, "must be an e-mail address");

const passwordField = z
  .string()
  .max(256)
  .superRefine((password, context) => {
    const problem = passwordProblem(password);
    if (problem) context.addIssue({ code: "custom", message: problem });
  });

export const newUserSchema = z.object({
  email: emailSchema,
  name: z.string().trim().min(1).max(200),
  role: z.enum(ROLES),
  /** Left out for someone who signs in only through Cloudflare Access. */
  password: passwordField.optional(),
});

export const userChangeSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    role: z.enum(ROLES).optional(),
    disabled: z.boolean().optional(),
    password: passwordField.optional(),
  })
  .strict();

export type NewUser = z.infer<typeof newUserSchema>;
export type UserChange = z.infer<typeof userChangeSchema>;

/** What the API and the pages show of a user: never the password hash. */
export function userJson(user: UserRow) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role as Role,
    signs_in_with_password: user.passwordHash !== null,
    disabled: user.disabledAt !== null,
    created_at: new Date(user.createdAt).toISOString(),
    updated_at: new Date(user.updatedAt).toISOString(),
  };
}

const visible = (user: UserRow) => ({ name: user.name, role: user.role, disabled: user.disabledAt !== null });

export async function allUsers(services: Services) {
  return (await listUsers(services.db)).map(userJson);
}

export async function createUser(services: Services, input: NewUser): Promise<UserRow> {
  const now = services.now();
  const user: UserRow = {
    id: newId("usr", now),
    email: input.email,
    name: input.name,
    role: input.role,
    passwordHash: input.password ? await hashPassword(input.password) : null,
    disabledAt: null,
    createdAt: now,
    updatedAt: now,
  };
  const audit = auditEntry(services.actor, now, {
    action: "user.create",
    subjectType: "user",
    subjectId: user.id,
    summary: `Added ${user.name} <${user.email}> as ${user.role}`,
    after: visible(user),
  });
  if (!(await insertUser(services.d1, user, [auditStatement(services.d1, audit)]))) {
    throw new AppError("conflict", `A user with the e-mail ${user.email} already exists`);
  }
  return user;
}

async function activeOwners(services: Services): Promise<UserRow[]> {
  return (await listUsers(services.db)).filter((user) => user.role === "owner" && user.disabledAt === null);
}

export async function changeUser(services: Services, id: string, change: UserChange): Promise<UserRow> {
  const before = await userById(services.db, id);
  if (!before) throw new AppError("not_found", `No user ${id}`);
  const now = services.now();
  const disabledAt = change.disabled === undefined ? before.disabledAt : change.disabled ? (before.disabledAt ?? now) : null;
  const after: UserRow = {
    ...before,
    name: change.name ?? before.name,
    role: change.role ?? before.role,
    passwordHash: change.password ? await hashPassword(change.password) : before.passwordHash,
    disabledAt,
    updatedAt: now,
  };
  const stopsOwning = before.role === "owner" && before.disabledAt === null && (after.role !== "owner" || after.disabledAt !== null);
  if (stopsOwning && (await activeOwners(services)).length <= 1) {
    throw new AppError("conflict", "This is the last owner who can sign in: make someone else an owner first");
  }
  const endSessions = (after.disabledAt !== null && before.disabledAt === null) || Boolean(change.password);
  const what = [
    after.name !== before.name ? "name" : null,
    after.role !== before.role ? `role ${before.role} → ${after.role}` : null,
    after.disabledAt !== before.disabledAt ? (after.disabledAt ? "disabled" : "enabled again") : null,
    change.password ? "password set" : null,
  ].filter(Boolean);
  const audit = auditEntry(services.actor, now, {
    action: after.disabledAt && !before.disabledAt ? "user.disable" : "user.change",
    subjectType: "user",
    subjectId: id,
    summary: `${before.name}: ${what.join(", ") || "nothing changed"}`,
    before: visible(before),
    after: visible(after),
  });
  await runStatements(services.d1, [...updateUserStatements(services.d1, after, { endSessions }), auditStatement(services.d1, audit)]);
  return after;
}
