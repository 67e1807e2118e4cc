/**
 * /dashboard/channels — where stores are connected: create a channel (type picker), and for each
 * channel its URI and secrets (with copy buttons), the set-up steps as the store shows them, its
 * health, its settings and automation, the links to its store, and a test order sent through its
 * own URI.
 *
 * A secret is shown whole once, in the answer that created it (like the API), never again: the
 * page that shows it is the POST's own answer (no-store), not a redirect that would need to carry it.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { addSecret, channelUri, createChannel, deleteChannel, revokeSecret, updateChannel } from "../../channels/channel-admin";
import { findChannelsInUse, loadChannel } from "../../channels/channel-store";
import { adapterFor, allAdapters, reconcilerFor, storeLinkFor } from "../../channels/registry";
import { connectStore, queueReconciliation, reconciliationSummary, testStoreConnection } from "../../channels/store-link";
import { testOrderRequest } from "../../channels/test-order";
import type { ChannelHealth, ChannelType } from "../../channels/types";
import type { Services } from "../../context";
import type { ChannelRow, ChannelSecretRow } from "../../db/schema";
import { automationOf, DOCUMENT_TYPES, type Automation } from "../../documents/automation";
import { updateAutomation } from "../../documents/channel-automation";
import { deliveryHealthOfChannels } from "../../inbound/delivery-store";
import { ChannelStockSync } from "./stock-syncs";
import { AppError } from "../../lib/errors";
import { ActionForm, Badge, CopyField, Csrf, FlashMessage, Layout, Time, type PageContext } from "../layout";
import { act, backWithError, describeError, field, isShownError, plural, render, type DashboardContext, type DashboardEnv, type FormFields } from "../respond";
import { SetupSteps } from "../setup-steps";
import { TableHead } from "../table-head";

/** Hands a request to the Worker's own router, as if it had come from outside. */
export type DeliverToInbox = (request: Request, c: Context) => Promise<Response>;

const DAY_MS = 86_400_000;

type Revealed = { secret: string; why: "created" | "added" };

const originOf = (url: string) => new URL(url).origin;

/** The channel's type as the merchant knows it; a row of an unknown type shows its raw type. */
const typeName = (type: string) => adapterFor(type as ChannelType)?.name ?? type;

// -------------------------------------------------------------------------------------------
// The list and the create form

function CreateForm(props: { page: PageContext; values?: { type?: string; name?: string }; error?: string }) {
  const chosen = props.values?.type ?? "shopify";
  return (
    <section class="card" id="create">
      <h2>Create a channel</h2>
      <FlashMessage flash={props.error ? { kind: "error", text: props.error } : null} />
      <form method="post" action="/dashboard/channels" class="stack">
        <Csrf page={props.page} />
        <fieldset class="types">
          <legend class="sr-only">Type of store</legend>
          {allAdapters().map((adapter) => (
            <label>
              <input type="radio" name="type" value={adapter.type} checked={adapter.type === chosen} required />
              <span>
                <strong>{adapter.name}</strong>
                <span class="muted small">{adapter.description}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <label>
          Name
          <input type="text" name="name" required maxlength={100} value={props.values?.name ?? ""} placeholder="Web shop" />
        </label>
        <label>
          Secret <span class="muted small">(optional: empty makes one; a store's own signing key can be added later)</span>
          <input type="password" name="secret" minlength={16} maxlength={256} autocomplete="off" />
        </label>
        <div>
          <button type="submit" class="primary">
            Create channel
          </button>
        </div>
      </form>
    </section>
  );
}

async function ChannelList(props: { page: PageContext; services: Services; origin: string; create?: { values: { type?: string; name?: string }; error: string } }) {
  const { services } = props;
  const channels = await findChannelsInUse(services.db);
  const health = await deliveryHealthOfChannels(
    services.d1,
    channels.map(({ row }) => row.id),
    services.now() - DAY_MS,
  );
  return (
    <Layout title="Channels" nav="channels" page={props.page}>
      <h1>Channels</h1>
      <p class="lead">Each channel is one store or POS posting its orders to its own URI.</p>
      {channels.length === 0 ? (
        <p class="muted">No channels yet: create the first one below.</p>
      ) : (
        <table>
          <TableHead columns={["Name", "Type", "Status", "Last delivery", { num: "Refused in 24 h" }, "Channel URI"]} />
          <tbody>
            {channels.map(({ row }) => {
              const entry = health.get(row.id);
              return (
                <tr>
                  <td>
                    <a href={`/dashboard/channels/${row.id}`}>{row.name}</a>
                  </td>
                  <td>{typeName(row.type)}</td>
                  <td>
                    <Badge value={row.status} />
                  </td>
                  <td>
                    {entry?.last ? (
                      <>
                        <Time at={entry.last.at} /> <Badge value={entry.last.outcome} />
                      </>
                    ) : (
                      <span class="muted">none yet</span>
                    )}
                  </td>
                  <td class="num">{entry?.failures ? <a href={`/dashboard/deliveries?channel=${row.id}&outcome=rejected`}>{String(entry.failures)}</a> : "0"}</td>
                  <td>
                    <CopyField id={`uri-${row.id}`} label={`URI of ${row.name}`} value={channelUri(props.origin, row.token)} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {props.page.can("POST", "/dashboard/channels") ? <CreateForm page={props.page} values={props.create?.values} error={props.create?.error} /> : null}
    </Layout>
  );
}

// -------------------------------------------------------------------------------------------
// One channel

type SettingKind = "text" | "number" | "boolean" | "list" | { options: string[] };

/** What kind of input a settings field takes, read from its zod schema. */
function settingKind(schema: z.ZodType): SettingKind {
  let current = schema as unknown as { _zod: { def: { type: string; innerType?: unknown; in?: unknown } }; options?: string[] };
  for (let depth = 0; depth < 5; depth++) {
    const { def } = current._zod;
    if ((def.type === "optional" || def.type === "nullable" || def.type === "default") && def.innerType) current = def.innerType as typeof current;
    else if (def.type === "pipe" && def.in) current = def.in as typeof current;
    else break;
  }
  switch (current._zod.def.type) {
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "array":
      return "list";
    case "enum":
      return { options: current.options ?? [] };
    default:
      return "text";
  }
}

/** A key without a label of its own reads as words: "reconcile_every_minutes" → "Reconcile every minutes". */
const wordsOf = (key: string) => {
  const text = key.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
};

function settingsFields(row: ChannelRow, services: Services): Array<{ key: string; label: string; kind: SettingKind; credential: boolean }> {
  const definition = adapterFor(row.type as ChannelType)?.settings;
  if (!definition) return [];
  const shape = definition.schema({ allowInsecureStoreUrls: services.config.ALLOW_INSECURE_STORE_URLS }).shape as Record<string, z.ZodType>;
  return Object.entries(shape)
    .filter(([key]) => !definition.testOnly?.includes(key))
    .map(([key, schema]) => ({ key, label: (schema.meta()?.title as string | undefined) ?? wordsOf(key), kind: settingKind(schema), credential: definition.sealed.includes(key) }));
}

function SettingsForm(props: { page: PageContext; row: ChannelRow; fields: ReturnType<typeof settingsFields> }) {
  const { row } = props;
  const settings = JSON.parse(row.settings) as Record<string, unknown>;
  const credentials = JSON.parse(row.credentialKeys) as string[];
  return (
    <ActionForm page={props.page} action={`/dashboard/channels/${row.id}/settings`} class="stack">
      <label>
        Name
        <input type="text" name="name" value={row.name} required maxlength={100} />
      </label>
      <label class="check">
        <input type="checkbox" name="active" value="1" checked={row.status === "active"} /> Active: accepts orders (a disabled channel's URI answers 403 and stores nothing)
      </label>
      {props.fields.map(({ key, label, kind, credential }) => {
        const name = `setting_${key}`;
        const current = settings[key];
        if (credential) {
          const held = credentials.includes(key);
          return (
            <div>
              <label>
                {label} <span class="muted small">{held ? "(set; leave empty to keep it)" : "(not set)"}</span>
                <input type="password" name={name} autocomplete="off" />
              </label>
              {held ? (
                <label class="check">
                  <input type="checkbox" name={`remove_${key}`} value="1" /> remove it
                </label>
              ) : null}
            </div>
          );
        }
        if (kind === "boolean") {
          return (
            <label class="check">
              <input type="checkbox" name={name} value="1" checked={current === true} /> {label}
            </label>
          );
        }
        if (typeof kind === "object") {
          return (
            <label>
              {label}
              <select name={name}>
                <option value="">(not set)</option>
                {kind.options.map((option) => (
                  <option value={option} selected={current === option}>
                    {option}
                  </option>
                ))}
              </select>
            </label>
          );
        }
        return (
          <label>
            {label} {kind === "list" ? <span class="muted small">(separate with commas)</span> : null}
            <input
              type={kind === "number" ? "number" : "text"}
              name={name}
              value={current === undefined || current === null ? "" : Array.isArray(current) ? current.join(", ") : String(current)}
            />
          </label>
        );
      })}
      <div>
        <button type="submit">Save settings</button>
      </div>
    </ActionForm>
  );
}

function AutomationForm(props: { page: PageContext; row: ChannelRow; automation: Automation }) {
  const { automation, row } = props;
  const accounts = Object.entries(automation.payment_accounts)
    .map(([method, account]) => `${method} = ${account}`)
    .join("\n");
  return (
    <ActionForm page={props.page} action={`/dashboard/channels/${row.id}/automation`} class="stack">
      <label>
        When an order arrives or changes
        <select name="create">
          <option value="" selected={automation.create === null}>
            do nothing: orders are processed by hand
          </option>
          {DOCUMENT_TYPES.map((type) => (
            <option value={type} selected={automation.create === type}>
              {type === "order" ? "create a sales order" : "create an invoice"}
            </option>
          ))}
        </select>
      </label>
      <label class="check">
        <input type="checkbox" name="execute" value="1" checked={automation.execute} /> execute it right away (numbered, stock moved)
      </label>
      <label class="check">
        <input type="checkbox" name="add_payment" value="1" checked={automation.add_payment} /> add the order's payment to it
      </label>
      <label class="check">
        <input type="checkbox" name="only_when_paid" value="1" checked={automation.only_when_paid} /> only once the order is paid
      </label>
      <label class="check">
        <input type="checkbox" name="email_invoice" value="1" checked={automation.email_invoice} /> e-mail an invoice it executes to the customer (once)
      </label>
      <label class="check">
        <input type="checkbox" name="create_missing_products" value="1" checked={automation.create_missing_products} /> create a product for an unknown SKU (instead of holding the order)
      </label>
      <label>
        Customer
        <select name="customer">
          <option value="match" selected={automation.customer === "match"}>
            find or create the order's customer
          </option>
          <option value="single" selected={automation.customer === "single"}>
            one customer for all of this channel's orders
          </option>
        </select>
      </label>
      <label>
        Name of that one customer
        <input type="text" name="single_customer_name" value={automation.single_customer_name} maxlength={200} required />
      </label>
      <label>
        Payment method → money account <span class="muted small">(one per line: “PayPal = PayPal account”)</span>
        <textarea name="payment_accounts" rows={3}>
          {accounts}
        </textarea>
      </label>
      <label>
        Account for other methods
        <input type="text" name="default_account" value={automation.default_account} maxlength={100} required />
      </label>
      <label>
        Gift card account <span class="muted small">(the liability gift cards are paid from)</span>
        <input type="text" name="gift_card_account" value={automation.gift_card_account} maxlength={100} required />
      </label>
      <div>
        <button type="submit">Save automation</button>
      </div>
    </ActionForm>
  );
}

async function ChannelPage(props: { page: PageContext; services: Services; id: string; origin: string; revealed?: Revealed }) {
  const { services, page } = props;
  const { row, secrets } = await loadChannel(services.db, props.id);
  if (row.status === "deleted") throw new AppError("not_found", "This channel was deleted: its URI answers 410 and its orders stay in the inbox.");
  const uri = channelUri(props.origin, row.token);
  const type = row.type as ChannelType;
  const adapter = adapterFor(type);
  const health = (await deliveryHealthOfChannels(services.d1, [row.id], services.now() - DAY_MS)).get(row.id)!;
  const reconciler = reconcilerFor(type);
  const storeLink = storeLinkFor(type);
  const canReconcile = Boolean(reconciler?.canReconcile(JSON.parse(row.settings), JSON.parse(row.credentialKeys)));
  const sweeps = reconciler ? await reconciliationSummary(services.d1, row.id) : null;
  const storeHealth = row.health ? (JSON.parse(row.health) as ChannelHealth) : null;
  const disabledHooks = storeHealth?.webhooks.filter((webhook) => webhook.status !== "active") ?? [];
  const active = secrets.filter((secret) => secret.revokedAt === null);
  const automation = automationOf(type, row.automation);
  const fields = settingsFields(row, services);
  const stockSync = await ChannelStockSync({ page, services, row });

  return (
    <Layout title={row.name} nav="channels" page={page}>
      <p class="small">
        <a href="/dashboard/channels">← Channels</a>
      </p>
      <h1>
        {`${row.name} `}
        <Badge value={row.status} />
      </h1>
      <p class="lead">{`${typeName(type)} channel · created `}<Time at={row.createdAt} /></p>

      {props.revealed ? (
        <section class="secret-once" aria-live="polite">
          <h2>{props.revealed.why === "created" ? "Channel created. Its secret, shown this once:" : "New secret, shown this once:"}</h2>
          <CopyField id="channel-secret" label="the secret" value={props.revealed.secret} />
          <p class="small">Copy it now: the inbox keeps it sealed and will only show its last four characters from here on.</p>
        </section>
      ) : null}

      <h2>Channel URI</h2>
      <CopyField id="channel-uri" label="the channel URI" value={uri} />

      <h2>Set-up in the store</h2>
      {adapter ? <SetupSteps steps={adapter.setup} uri={uri} /> : null}

      <h2>Health</h2>
      <table class="kv">
        <tbody>
          <tr>
            <th>Last delivery</th>
            <td>
              {health.last ? (
                <>
                  <Time at={health.last.at} /> <Badge value={health.last.outcome} /> <a href={`/dashboard/deliveries?channel=${row.id}`}>all deliveries</a>
                </>
              ) : (
                <span class="muted">none yet: send a test order below, or follow the steps above</span>
              )}
            </td>
          </tr>
          <tr>
            <th>Refused in the last 24 hours</th>
            <td>
              {health.failures ? (
                <a href={`/dashboard/deliveries?channel=${row.id}&outcome=rejected`}>
                  <Badge value={plural(health.failures, "delivery", "deliveries")} tone="bad" />
                </a>
              ) : (
                "none"
              )}
            </td>
          </tr>
          <tr>
            <th>Store webhooks</th>
            <td>
              {storeHealth ? (
                <>
                  {disabledHooks.length ? (
                    <Badge value={`${plural(disabledHooks.length, "webhook")} disabled in the store`} tone="bad" />
                  ) : (
                    <Badge value="all active" tone="ok" />
                  )}
                  {storeHealth.reactivated.length ? ` · the last check switched ${plural(storeHealth.reactivated.length, "webhook")} back on` : ""}
                  <div class="small muted">
                    {storeHealth.webhooks.map((webhook) => `${webhook.topic}: ${webhook.status}`).join(" · ")}
                    {" · checked "}
                    <Time at={storeHealth.checked_at} />
                  </div>
                </>
              ) : (
                <span class="muted">{reconciler?.maintain ? "not checked yet: connect to the store" : "not visible to the inbox for this type of store"}</span>
              )}
            </td>
          </tr>
          {sweeps ? (
            <tr>
              <th>Found only by a sweep</th>
              <td>
                {`${plural(sweeps.orders.found_only_by_reconciliation, "order")} of ${sweeps.orders.total} never came by webhook`}
                {sweeps.runs[0] ? (
                  <div class="small muted">
                    {"Last sweep "}
                    <Time at={sweeps.runs[0].started_at as string} />
                    {`: ${String(sweeps.runs[0].status)}${sweeps.runs[0].error ? ` (${String(sweeps.runs[0].error)})` : ""}`}
                  </div>
                ) : (
                  <div class="small muted">{canReconcile ? "No sweep yet." : "Sweeps need the store's API credentials in the settings."}</div>
                )}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>

      <h2>Send a test order</h2>
      {!adapter || "unavailable" in adapter.testOrder ? (
        <p class="muted">{adapter && "unavailable" in adapter.testOrder ? adapter.testOrder.unavailable : "This type of channel has no sample order."}</p>
      ) : (
        <div class="actions">
          <ActionForm page={page} action={`/dashboard/channels/${row.id}/test-order`}>
            <button type="submit">Send a test order</button>
          </ActionForm>
          <span class="muted small">A small sample order as {adapter.name} sends it, signed with the channel's newest secret, posted to its URI like a real webhook.</span>
        </div>
      )}

      {storeLink || reconciler ? (
        <>
          <h2>Store link</h2>
          <div class="actions">
            {storeLink ? (
              <ActionForm page={page} action={`/dashboard/channels/${row.id}/connect`}>
                <button type="submit">Connect to the store</button>
              </ActionForm>
            ) : null}
            {storeLink?.testConnection ? (
              <ActionForm page={page} action={`/dashboard/channels/${row.id}/test-connection`}>
                <button type="submit">Test the connection</button>
              </ActionForm>
            ) : null}
            {reconciler ? (
              <ActionForm page={page} action={`/dashboard/channels/${row.id}/reconcile`}>
                <button type="submit" disabled={!canReconcile}>
                  Sweep the store now
                </button>
              </ActionForm>
            ) : null}
          </div>
        </>
      ) : null}

      <h2>Secrets</h2>
      <table>
        <TableHead columns={["Ends in", "Added", ""]} />
        <tbody>
          {active.map((secret: ChannelSecretRow) => (
            <tr>
              <td class="mono">{`…${secret.hint}`}</td>
              <td>
                <Time at={secret.createdAt} />
              </td>
              <td>
                {active.length > 1 ? (
                  <ActionForm page={page} action={`/dashboard/channels/${row.id}/secrets/${secret.id}/revoke`}>
                    <button type="submit" class="danger">
                      Revoke
                    </button>
                  </ActionForm>
                ) : (
                  <span class="muted small">the only secret</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.can("POST", `/dashboard/channels/${row.id}/secrets`) ? (
        <form method="post" action={`/dashboard/channels/${row.id}/secrets`} class="actions">
          <Csrf page={page} />
          <label>
            <span class="sr-only">New secret</span>
            <input type="password" name="secret" placeholder="The store's key (empty: generate one)" minlength={16} maxlength={256} autocomplete="off" size={36} />
          </label>
          <button type="submit">Add a secret</button>
          <span class="muted small">Deliveries signed with any active secret are accepted, so a store can move to the new one before the old is revoked.</span>
        </form>
      ) : null}

      <h2>Settings</h2>
      <SettingsForm page={page} row={row} fields={fields} />

      {stockSync}

      <h2>Automation</h2>
      <p class="muted small">How this channel's orders become documents; processing an order by hand uses the same mappings.</p>
      <AutomationForm page={page} row={row} automation={automation} />

      <h2>Delete</h2>
      <ActionForm page={page} action={`/dashboard/channels/${row.id}/delete`} class="actions">
        <label class="check">
          <input type="checkbox" name="confirm" value="1" required /> Delete this channel: its URI answers 410 from now on; its orders stay.
        </label>
        <button type="submit" class="danger">
          Delete channel
        </button>
      </ActionForm>
    </Layout>
  );
}

// -------------------------------------------------------------------------------------------
// Forms into API-shaped bodies

function settingsBody(form: FormFields, fields: ReturnType<typeof settingsFields>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const { key, kind, credential } of fields) {
    const value = field(form, `setting_${key}`);
    if (credential) {
      if (field(form, `remove_${key}`)) body[key] = null;
      else if (value !== undefined) body[key] = value;
      continue;
    }
    if (kind === "boolean") body[key] = value !== undefined;
    else if (value === undefined) continue;
    else if (kind === "number") body[key] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    else if (kind === "list") body[key] = value.split(/[\s,]+/).filter(Boolean);
    else body[key] = value;
  }
  return body;
}

function automationBody(form: FormFields): Record<string, unknown> {
  const accounts: Record<string, string> = {};
  for (const line of (field(form, "payment_accounts") ?? "").split(/\r?\n/)) {
    if (!line.trim()) continue;
    const at = line.indexOf("=");
    if (at <= 0 || !line.slice(at + 1).trim()) throw new AppError("validation_failed", `payment_accounts: “${line.trim()}” is not “method = account”`);
    accounts[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return {
    create: field(form, "create") ?? null,
    execute: field(form, "execute") !== undefined,
    add_payment: field(form, "add_payment") !== undefined,
    only_when_paid: field(form, "only_when_paid") !== undefined,
    email_invoice: field(form, "email_invoice") !== undefined,
    create_missing_products: field(form, "create_missing_products") !== undefined,
    customer: field(form, "customer"),
    single_customer_name: field(form, "single_customer_name"),
    payment_accounts: accounts,
    default_account: field(form, "default_account"),
    gift_card_account: field(form, "gift_card_account"),
  };
}

export function channelPages(deliver: DeliverToInbox) {
  const here = (c: DashboardContext) => `/dashboard/channels/${c.req.param("id")}`;
  return new Hono<DashboardEnv>()
    .get("/", async (c) => render(c, await ChannelList({ page: c.var.page, services: c.var.services, origin: originOf(c.req.url) })))

    .post("/", async (c) => {
      const { form, services } = c.var;
      const values = { type: field(form, "type"), name: field(form, "name") };
      try {
        const { row, whole } = await createChannel(services, { ...values, ...(field(form, "secret") ? { secret: field(form, "secret") } : {}) });
        return render(c, await ChannelPage({ page: c.var.page, services, id: row.id, origin: originOf(c.req.url), revealed: { secret: whole, why: "created" } }), 201);
      } catch (error) {
        if (!isShownError(error)) throw error;
        return render(c, await ChannelList({ page: c.var.page, services, origin: originOf(c.req.url), create: { values, error: describeError(error) } }), 400);
      }
    })

    .get("/:id", async (c) => render(c, await ChannelPage({ page: c.var.page, services: c.var.services, id: c.req.param("id"), origin: originOf(c.req.url) })))

    .post("/:id/secrets", async (c) => {
      const { services } = c.var;
      const secret = field(c.var.form, "secret");
      try {
        const { whole } = await addSecret(services, c.req.param("id"), secret ? { secret } : {});
        return render(c, await ChannelPage({ page: c.var.page, services, id: c.req.param("id"), origin: originOf(c.req.url), revealed: { secret: whole, why: "added" } }));
      } catch (error) {
        return backWithError(c, here(c), error);
      }
    })

    .post("/:id/secrets/:secretId/revoke", (c) =>
      act(c, here(c), async () => {
        await revokeSecret(c.var.services, c.req.param("id"), c.req.param("secretId"));
        return { kind: "ok", text: "The secret is revoked: deliveries signed with it are refused from now on." };
      }),
    )

    .post("/:id/settings", (c) =>
      act(c, here(c), async () => {
        const { form, services } = c.var;
        const { row } = await loadChannel(services.db, c.req.param("id"));
        const body = { name: field(form, "name"), status: field(form, "active") ? "active" : "disabled", ...settingsBody(form, settingsFields(row, services)) };
        const updated = await updateChannel(services, row.id, body);
        return { kind: "ok", text: `Saved. The channel is ${updated.row.status}.` };
      }),
    )

    .post("/:id/automation", (c) =>
      act(c, here(c), async () => {
        await updateAutomation(c.var.services, c.req.param("id"), automationBody(c.var.form));
        return { kind: "ok", text: "Automation saved: it applies to orders that arrive or change from now on." };
      }),
    )

    .post("/:id/delete", (c) =>
      act(c, here(c), async () => {
        if (!field(c.var.form, "confirm")) throw new AppError("bad_request", "Tick the box to confirm the deletion.");
        await deleteChannel(c.var.services, c.req.param("id"));
        return { kind: "ok", text: "The channel is deleted; its orders stay in the inbox.", redirect: "/dashboard/channels" };
      }),
    )

    .post("/:id/connect", (c) =>
      act(c, here(c), async () => {
        const result = await connectStore(c.var.services, c.req.param("id"), originOf(c.req.url));
        const text =
          "created" in result
            ? `Connected: ${result.created.length ? `created ${result.created.map((webhook) => webhook.topic).join(", ")}` : "its webhooks were already there"}.`
            : "Connected: Mozello will send its order notifications to this channel.";
        return { kind: "ok", text };
      }),
    )

    .post("/:id/test-connection", (c) =>
      act(c, here(c), async () => {
        const result = await testStoreConnection(c.var.services, c.req.param("id"));
        if (!result.auth.ok) return { kind: "error", text: `The store refused the keys: ${result.auth.error}` };
        return {
          kind: "ok",
          text: `The keys work. Stock management is ${result.stock_management}; webhooks: ${result.webhooks.map((webhook) => `${webhook.topic} ${webhook.status}`).join(", ")}.`,
        };
      }),
    )

    .post("/:id/reconcile", (c) =>
      act(c, here(c), async () => {
        await queueReconciliation(c.var.services, c.req.param("id"));
        return { kind: "ok", text: "A sweep of the store is queued; its result shows under Health in a moment." };
      }),
    )

    .post("/:id/test-order", (c) =>
      act(c, here(c), async () => {
        const sample = await testOrderRequest(c.var.services, c.req.param("id"), originOf(c.req.url));
        if (!sample.ok) return { kind: "info", text: sample.reason };
        const response = await deliver(sample.request, c);
        const text = await response.text();
        let answer: { order_id?: string | null; duplicate?: boolean; error?: { code: string; message: string } } = {};
        try {
          answer = JSON.parse(text) as typeof answer;
        } catch {
          // The answer is shown by its status alone.
        }
        if (response.ok && answer.order_id) {
          return {
            kind: "ok",
            text: `The test order went in through the channel URI like a store's webhook: HTTP ${response.status}${answer.duplicate ? " (a duplicate)" : ""}.`,
            link: { href: `/dashboard/orders/${answer.order_id}`, label: "Open the test order" },
          };
        }
        return {
          kind: "error",
          text: `The channel URI refused the test order: HTTP ${response.status}${answer.error ? ` ${answer.error.code}: ${answer.error.message}` : ""}`,
          link: { href: `/dashboard/deliveries?channel=${sample.channelId}`, label: "See the delivery log" },
        };
      }),
    );
}
