/**
 * Signing in with an e-mail and a password, and out; and, while nobody has an account yet, making
 * the first owner with the admin token (what a set-up from before named users does once).
 */
import { Hono } from "hono";
import { AppError } from "../../lib/errors";
import { isAdminToken } from "../../lib/admin-token";
import { ADMIN_TOKEN_ACTOR } from "../../people/actors";
import { hasUsers, signInWithPassword, signOut } from "../../people/sign-in";
import { createUser, newUserSchema } from "../../people/users";
import { accessOf, identify } from "../identity";
import { Document, FlashMessage } from "../layout";
import { describeError, field, render, type DashboardEnv } from "../respond";
import { clearSessionCookie, safeReturnPath, sessionCookieOf, setSessionCookie } from "../session";

function SignInPage(props: { next: string; error?: string; firstOwner: boolean }) {
  return (
    <Document title="Sign in">
      <main class="signin">
        <h1>Sales Inbox</h1>
        <FlashMessage flash={props.error ? { kind: "error", text: props.error } : null} />
        {props.firstOwner ? (
          <>
            <p class="muted">Nobody has an account yet. Make the first owner: it takes the inbox's admin token (ADMIN_TOKEN), once.</p>
            <form method="post" action="/dashboard/sign-in/first-owner" class="stack">
              <input type="hidden" name="next" value={props.next} />
              <label>
                Your name
                <input name="name" autocomplete="name" required maxlength={200} />
              </label>
              <label>
                E-mail
                <input type="email" name="email" autocomplete="username" required maxlength={254} />
              </label>
              <label>
                Password (at least 12 characters)
                <input type="password" name="password" autocomplete="new-password" required minlength={12} maxlength={256} />
              </label>
              <label>
                Admin token
                <input type="password" name="token" autocomplete="off" required size={40} />
              </label>
              <div>
                <button type="submit" class="primary">
                  Make the owner and sign in
                </button>
              </div>
            </form>
          </>
        ) : (
          <form method="post" action="/dashboard/sign-in" class="stack">
            <input type="hidden" name="next" value={props.next} />
            <label>
              E-mail
              <input type="email" name="email" autocomplete="username" required autofocus maxlength={254} />
            </label>
            <label>
              Password
              <input type="password" name="password" autocomplete="current-password" required maxlength={256} />
            </label>
            <div>
              <button type="submit" class="primary">
                Sign in
              </button>
            </div>
          </form>
        )}
      </main>
    </Document>
  );
}

/** Where a sign-in attempt comes from, for counting failures: Cloudflare names the client; locally there is one. */
const addressOf = (header: string | undefined) => header?.trim().slice(0, 64) || "local";

export const signInPages = new Hono<DashboardEnv>()
  .get("/sign-in", async (c) => {
    const next = safeReturnPath(c.req.query("next"));
    const { services } = c.var;
    // Behind Access there is nothing to sign in to here: Access did it.
    if (accessOf(services) || (await identify(c, services)).ok) return c.redirect(next, 303);
    return render(c, <SignInPage next={next} firstOwner={!(await hasUsers(services))} />);
  })

  .post("/sign-in", async (c) => {
    const form = await c.req.parseBody({ all: true });
    const next = safeReturnPath(field(form, "next"));
    const { services } = c.var;
    if (accessOf(services)) throw new AppError("not_found", "This inbox signs people in through Cloudflare Access.");
    try {
      const signedIn = await signInWithPassword(services, {
        email: field(form, "email") ?? "",
        password: typeof form.password === "string" ? form.password : "",
        ip: addressOf(c.req.header("cf-connecting-ip")),
      });
      setSessionCookie(c, signedIn.token);
      return c.redirect(next, 303);
    } catch (error) {
      if (!(error instanceof AppError) || (error.status !== 401 && error.status !== 429)) throw error;
      if (error.status === 429) c.header("Retry-After", "900");
      return render(c, <SignInPage next={next} firstOwner={false} error={error.message} />, error.status);
    }
  })

  .post("/sign-in/first-owner", async (c) => {
    const form = await c.req.parseBody({ all: true });
    const next = safeReturnPath(field(form, "next"));
    const { services } = c.var;
    if (accessOf(services) || (await hasUsers(services))) return c.redirect("/dashboard/sign-in", 303);
    const token = typeof form.token === "string" ? form.token.trim() : "";
    if (!token || !(await isAdminToken(token, services.config.ADMIN_TOKEN))) {
      return render(c, <SignInPage next={next} firstOwner error="That is not the admin token." />, 401);
    }
    const parsed = newUserSchema.safeParse({ name: field(form, "name"), email: field(form, "email"), role: "owner", password: form.password });
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => ({ field: issue.path.join("."), message: issue.message }));
      return render(c, <SignInPage next={next} firstOwner error={describeError(new AppError("validation_failed", problems.map((p) => `${p.field}: ${p.message}`).join("; "), { problems }))} />, 400);
    }
    await createUser({ ...services, actor: ADMIN_TOKEN_ACTOR }, parsed.data);
    const signedIn = await signInWithPassword(services, { email: parsed.data.email, password: parsed.data.password ?? "", ip: addressOf(c.req.header("cf-connecting-ip")) });
    setSessionCookie(c, signedIn.token);
    return c.redirect(next, 303);
  });

/** Signing out needs a session and its CSRF token, like every other POST; see the dashboard's guard. */
export const signOutPage = new Hono<DashboardEnv>().post("/sign-out", async (c) => {
  if (c.var.signedIn.via === "access") return c.redirect("/cdn-cgi/access/logout", 303);
  await signOut(c.var.services, sessionCookieOf(c));
  clearSessionCookie(c);
  return c.redirect("/dashboard/sign-in", 303);
});
