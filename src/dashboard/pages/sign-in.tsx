/** Signing in with the admin token, and out. */
import { Hono } from "hono";
import { isAdminToken } from "../../lib/admin-token";
import { Document, FlashMessage } from "../layout";
import { field, render, type DashboardEnv } from "../respond";
import { clearSessionCookie, newSessionCookie, readSessionCookie, safeReturnPath, sessionCookieOf, setSessionCookie } from "../session";

function SignInPage(props: { next: string; error?: string }) {
  return (
    <Document title="Sign in">
      <main class="signin">
        <h1>Sales Inbox</h1>
        <p class="muted">Sign in with the inbox's admin token (ADMIN_TOKEN; locally, the one `npm start` printed and keeps in .dev.vars).</p>
        <FlashMessage flash={props.error ? { kind: "error", text: props.error } : null} />
        <form method="post" action="/dashboard/sign-in" class="stack">
          <input type="hidden" name="next" value={props.next} />
          <label>
            Admin token
            <input type="password" name="token" autocomplete="current-password" required autofocus size={40} />
          </label>
          <div>
            <button type="submit" class="primary">
              Sign in
            </button>
          </div>
        </form>
      </main>
    </Document>
  );
}

export const signInPages = new Hono<DashboardEnv>()
  .get("/sign-in", async (c) => {
    const next = safeReturnPath(c.req.query("next"));
    const { config, now } = c.var.services;
    if (await readSessionCookie(config.ADMIN_TOKEN, sessionCookieOf(c), now())) return c.redirect(next, 303);
    return render(c, <SignInPage next={next} />);
  })

  .post("/sign-in", async (c) => {
    const form = await c.req.parseBody({ all: true });
    const next = safeReturnPath(field(form, "next"));
    const { config, now } = c.var.services;
    const token = typeof form.token === "string" ? form.token.trim() : "";
    if (!token || !(await isAdminToken(token, config.ADMIN_TOKEN))) {
      return render(c, <SignInPage next={next} error="That is not the admin token." />, 401);
    }
    const { value } = await newSessionCookie(config.ADMIN_TOKEN, now());
    setSessionCookie(c, value);
    return c.redirect(next, 303);
  });

/** Signing out needs a session and its CSRF token, like every other POST; see the dashboard's guard. */
export const signOutPage = new Hono<DashboardEnv>().post("/sign-out", (c) => {
  clearSessionCookie(c);
  return c.redirect("/dashboard/sign-in", 303);
});
