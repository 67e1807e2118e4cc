/**
 * A set-up from before named users has nobody to sign in as: while no user exists, the sign-in
 * page makes the first owner, once, with the admin token. (Its own file: it needs an empty table.)
 */
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, api, json, ORIGIN, worker } from "../helpers";
import { cookiesOf, form, get } from "../dashboard/dashboard-client";

const firstOwner = (fields: Record<string, string>) =>
  worker().fetch(
    new Request(`${ORIGIN}/dashboard/sign-in/first-owner`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
      body: form({ next: "/dashboard/orders", ...fields }),
    }),
  );

const FIELDS = { name: "Inga Owner", email: "inga@inbox.test", password: "inga's long password" };

describe("the first owner", () => {
  it("is made once, with the admin token, and signed in; then the form is gone", async () => {
    const page = await get(null, "/dashboard/sign-in");
    expect(page.html).toContain('action="/dashboard/sign-in/first-owner"');
    expect(page.html).toContain("Admin token");

    const wrong = await firstOwner({ ...FIELDS, token: "not-the-admin-token-at-all" });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("That is not the admin token.");
    const weak = await firstOwner({ ...FIELDS, password: "short", token: ADMIN_TOKEN });
    expect(weak.status).toBe(400);
    expect((await json(await api("/api/users"))).items).toEqual([]);

    const made = await firstOwner({ ...FIELDS, token: ADMIN_TOKEN });
    expect(made.status).toBe(303);
    expect(made.headers.get("location")).toBe("/dashboard/orders");
    const signedIn = await get({ cookie: cookiesOf(made), csrf: "" }, "/dashboard/orders");
    expect(signedIn.status).toBe(200);
    expect(signedIn.html).toContain("Inga Owner (owner)");

    const [user] = (await json(await api("/api/users"))).items;
    expect(user).toMatchObject({ email: "inga@inbox.test", role: "owner" });
    const [entry] = (await json(await api("/api/audit?action=user.create"))).items;
    expect(entry.actor).toMatchObject({ kind: "admin_token" });

    // Once someone has an account, the admin token makes nobody else an owner from here.
    const again = await firstOwner({ ...FIELDS, email: "mallory@inbox.test", token: ADMIN_TOKEN });
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toBe("/dashboard/sign-in");
    expect((await json(await api("/api/users"))).items).toHaveLength(1);
    expect((await get(null, "/dashboard/sign-in")).html).not.toContain("first-owner");
  });
});
