/** /dashboard/account — the signed-in person: who they are, what their role lets them do, and their password. */
import { Hono } from "hono";
import { AppError, validationError } from "../../lib/errors";
import { verifyPassword } from "../../people/passwords";
import { ROLE_LABELS, ROLE_SCOPES, isRole } from "../../people/roles";
import { changeUser, userChangeSchema } from "../../people/users";
import { ActionForm, Layout } from "../layout";
import { act, render, type DashboardEnv } from "../respond";

export const accountPages = new Hono<DashboardEnv>()
  .get("/", (c) => {
    const { user, via } = c.var.signedIn;
    const role = isRole(user.role) ? user.role : null;
    return render(
      c,
      <Layout title="Your account" nav="account" page={c.var.page}>
        <h1>{user.name}</h1>
        <table class="kv">
          <tbody>
            <tr>
              <th>E-mail</th>
              <td>{user.email}</td>
            </tr>
            <tr>
              <th>Role</th>
              <td>{role ? ROLE_LABELS[role] : user.role}</td>
            </tr>
            <tr>
              <th>May</th>
              <td class="small mono">{role ? ROLE_SCOPES[role].join(", ") : "—"}</td>
            </tr>
            <tr>
              <th>Signed in</th>
              <td>{via === "access" ? "through Cloudflare Access" : "with a password"}</td>
            </tr>
          </tbody>
        </table>
        {via === "password" ? (
          <section class="card">
            <h2>Change your password</h2>
            <ActionForm page={c.var.page} action="/dashboard/account/password" class="stack">
              <label>
                Current password
                <input type="password" name="current" autocomplete="current-password" required maxlength={256} />
              </label>
              <label>
                New password (at least 12 characters)
                <input type="password" name="password" autocomplete="new-password" required minlength={12} maxlength={256} />
              </label>
              <div>
                <button type="submit" class="primary">
                  Change it
                </button>
              </div>
            </ActionForm>
            <p class="small muted">Changing it signs you out everywhere, here included.</p>
          </section>
        ) : null}
      </Layout>,
    );
  })

  .post("/password", (c) =>
    act(c, "/dashboard/sign-in", async () => {
      const { user } = c.var.signedIn;
      const current = typeof c.var.form.current === "string" ? c.var.form.current : "";
      if (!user.passwordHash || !(await verifyPassword(current, user.passwordHash))) {
        throw new AppError("validation_failed", "current: that is not your current password", { problems: [{ field: "current", message: "is not your current password" }] });
      }
      const change = userChangeSchema.safeParse({ password: c.var.form.password });
      if (!change.success) throw validationError(change.error.issues.map((issue) => ({ field: "password", message: issue.message })));
      await changeUser(c.var.services, user.id, change.data);
      return { kind: "ok", text: "Your password is changed: sign in with the new one.", redirect: "/dashboard/sign-in" };
    }),
  );
