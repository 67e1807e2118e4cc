/** /dashboard/users — the people who work the inbox: add one with a role, change a role, reset a password, disable. */
import { Hono } from "hono";
import { z } from "zod";
import type { UserRow } from "../../db/schema";
import { validationError } from "../../lib/errors";
import { ROLE_LABELS, ROLES } from "../../people/roles";
import { allUsers, changeUser, createUser, newUserSchema, userChangeSchema } from "../../people/users";
import { accessOf } from "../identity";
import { ActionForm, Badge, Layout, Time } from "../layout";
import { act, field, render, type DashboardEnv } from "../respond";

function parsed<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error.issues.map((issue) => ({ field: issue.path.join(".") || "form", message: issue.message })));
  return result.data;
}

function RoleSelect(props: { value?: string; label?: string }) {
  return (
    <label>
      {props.label ?? "Role"}
      <select name="role">
        {ROLES.map((role) => (
          <option value={role} selected={role === props.value}>
            {ROLE_LABELS[role]}
          </option>
        ))}
      </select>
    </label>
  );
}

export const userPages = new Hono<DashboardEnv>()
  .get("/", async (c) => {
    const users = await allUsers(c.var.services);
    const page = c.var.page;
    const viaAccess = accessOf(c.var.services) !== null;
    return render(
      c,
      <Layout title="Users" nav="users" page={page}>
        <h1>Users</h1>
        <p class="lead">
          {viaAccess
            ? "People sign in through Cloudflare Access; each needs a user here with the same e-mail, and the role decides what they may do."
            : "People sign in with their e-mail and password; the role decides what they may do. Nobody is deleted: disable someone who leaves, and the audit trail keeps their name."}
        </p>
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>E-mail</th>
              <th>Role</th>
              <th>Status</th>
              <th>Since</th>
              <th>Change</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr>
                <td>{user.name}</td>
                <td>{user.email}</td>
                <td>{user.role}</td>
                <td>{user.disabled ? <Badge value="disabled" tone="ignored" /> : <Badge value="active" tone="processed" />}</td>
                <td>
                  <Time at={user.created_at} />
                </td>
                <td>
                  <details>
                    <summary>{`Change ${user.name}`}</summary>
                    <ActionForm page={page} action={`/dashboard/users/${user.id}`} class="stack">
                      <label>
                        Name
                        <input name="name" value={user.name} required maxlength={200} />
                      </label>
                      <RoleSelect value={user.role} />
                      {viaAccess ? null : (
                        <label>
                          New password (leave empty to keep)
                          <input type="password" name="password" autocomplete="new-password" minlength={12} maxlength={256} />
                        </label>
                      )}
                      <label>
                        <input type="checkbox" name="disabled" value="yes" checked={user.disabled} /> Disabled (signed out at once, cannot sign in)
                      </label>
                      <div>
                        <button type="submit">Save</button>
                      </div>
                    </ActionForm>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <section class="card">
          <h2>Add someone</h2>
          <ActionForm page={page} action="/dashboard/users" class="stack">
            <label>
              Name
              <input name="name" required maxlength={200} />
            </label>
            <label>
              E-mail
              <input type="email" name="email" required maxlength={254} />
            </label>
            <RoleSelect value="operator" />
            {viaAccess ? null : (
              <label>
                First password (at least 12 characters; they can change it under their name)
                <input type="password" name="password" autocomplete="new-password" required minlength={12} maxlength={256} />
              </label>
            )}
            <div>
              <button type="submit" class="primary">
                Add
              </button>
            </div>
          </ActionForm>
        </section>
      </Layout>,
    );
  })

  .post("/", (c) =>
    act(c, "/dashboard/users", async () => {
      const form = c.var.form;
      const input = parsed(newUserSchema, { name: field(form, "name"), email: field(form, "email"), role: field(form, "role"), password: field(form, "password") });
      const user: UserRow = await createUser(c.var.services, input);
      return { kind: "ok", text: `${user.name} can now sign in as ${user.role}.` };
    }),
  )

  .post("/:id", (c) =>
    act(c, "/dashboard/users", async () => {
      const form = c.var.form;
      const change = parsed(userChangeSchema, {
        name: field(form, "name"),
        role: field(form, "role"),
        password: field(form, "password"),
        disabled: field(form, "disabled") === "yes",
      });
      const user = await changeUser(c.var.services, c.req.param("id"), change);
      return { kind: "ok", text: `${user.name} saved${user.disabledAt ? " (disabled: signed out everywhere)" : ""}.` };
    }),
  );
