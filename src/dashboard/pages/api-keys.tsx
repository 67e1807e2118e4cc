/**
 * /dashboard/api-keys — keys for integrations: made with a name and a role or scopes, shown once,
 * listed by prefix and last use, revoked for good.
 */
import { Hono } from "hono";
import { allApiKeys, createApiKey, newApiKeySchema, revokeApiKey } from "../../people/api-keys";
import { ROLE_LABELS, ROLES, SCOPES } from "../../people/roles";
import { validationError } from "../../lib/errors";
import { ActionForm, Badge, CopyField, Layout, Time, type PageContext } from "../layout";
import { act, backWithError, field, fields, render, type DashboardEnv } from "../respond";

function NewKeyForm(props: { page: PageContext }) {
  return (
    <section class="card">
      <h2>Make a key</h2>
      <ActionForm page={props.page} action="/dashboard/api-keys" class="stack">
        <label>
          Name (what uses it)
          <input name="name" required maxlength={200} placeholder="Warehouse system" />
        </label>
        <label>
          Role
          <select name="role">
            <option value="">None: only the scopes ticked below</option>
            {ROLES.map((role) => (
              <option value={role}>{ROLE_LABELS[role]}</option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Or scopes</legend>
          {SCOPES.map((scope) => (
            <label>
              <input type="checkbox" name="scopes" value={scope} /> {scope}
            </label>
          ))}
        </fieldset>
        <label>
          Expires on (optional)
          <input type="date" name="expires_on" />
        </label>
        <div>
          <button type="submit" class="primary">
            Make the key
          </button>
        </div>
      </ActionForm>
    </section>
  );
}

function KeysPage(props: { page: PageContext; keys: Awaited<ReturnType<typeof allApiKeys>>; made?: { name: string; key: string } }) {
  const { page, keys, made } = props;
  return (
    <Layout title="API keys" nav="api-keys" page={page}>
      <h1>API keys</h1>
      <p class="lead">
        An integration sends its key as <code>Authorization: Bearer sik_…</code>. A key is shown once, when it is made; the inbox keeps only its hash. The
        admin token (ADMIN_TOKEN) still works as an owner key for set-ups from before.
      </p>
      {made ? (
        <section class="secret-once" aria-live="polite">
          <h2>{`The key “${made.name}”, shown this once:`}</h2>
          <CopyField id="api-key" label="the API key" value={made.key} />
          <p class="small">Copy it now: the inbox keeps only its hash and will show its first characters from here on.</p>
        </section>
      ) : null}
      {keys.length === 0 ? (
        <p class="muted">No keys yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Key</th>
              <th>Powers</th>
              <th>Made</th>
              <th>Expires</th>
              <th>Last used</th>
              <th>Status</th>
              <th>
                <span class="sr-only">Revoke</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr>
                <td>{key.name}</td>
                <td class="mono">{`${key.prefix}…`}</td>
                <td>{key.role ?? key.scopes.join(", ")}</td>
                <td>
                  <Time at={key.created_at} /> <span class="muted small">{`by ${key.created_by}`}</span>
                </td>
                <td>
                  <Time at={key.expires_at} />
                </td>
                <td>
                  <Time at={key.last_used_at} />
                </td>
                <td>
                  <Badge value={key.status} tone={key.status === "active" ? "processed" : "ignored"} />
                </td>
                <td>
                  {key.status === "revoked" ? null : (
                    <ActionForm page={page} action={`/dashboard/api-keys/${key.id}/revoke`}>
                      <button type="submit" class="danger">{`Revoke ${key.prefix}…`}</button>
                    </ActionForm>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <NewKeyForm page={page} />
    </Layout>
  );
}

export const apiKeyPages = new Hono<DashboardEnv>()
  .get("/", async (c) => render(c, <KeysPage page={c.var.page} keys={await allApiKeys(c.var.services)} />))

  // The key is shown in this answer and nowhere else (no redirect: a flash would carry it in a cookie).
  .post("/", async (c) => {
    const form = c.var.form;
    const expiresOn = field(form, "expires_on");
    const scopes = fields(form, "scopes");
    const input = newApiKeySchema.safeParse({
      name: field(form, "name"),
      role: field(form, "role"),
      scopes: field(form, "role") || scopes.length === 0 ? undefined : scopes,
      expires_at: expiresOn ? `${expiresOn}T23:59:59Z` : undefined,
    });
    try {
      if (!input.success) throw validationError(input.error.issues.map((issue) => ({ field: issue.path.join(".") || "form", message: issue.message })));
      const { key, row } = await createApiKey(c.var.services, input.data);
      return render(c, <KeysPage page={c.var.page} keys={await allApiKeys(c.var.services)} made={{ name: row.name, key }} />, 201);
    } catch (error) {
      return backWithError(c, "/dashboard/api-keys", error);
    }
  })

  .post("/:id/revoke", (c) =>
    act(c, "/dashboard/api-keys", async () => {
      const key = await revokeApiKey(c.var.services, c.req.param("id"));
      return { kind: "ok", text: `The key “${key.name}” (${key.prefix}…) is revoked: it works no more.` };
    }),
  );
