/**
 * /dashboard/company — the company profile: the seller every document names, its bank accounts
 * and terms, how the books are kept, and its logo. A form that does not validate comes back with
 * what was typed and each problem next to its field.
 */
import { Hono } from "hono";
import { changeCompanyProfile, companyLogo, companyProfileView, LOGO_MAX_BYTES, LOGO_TYPES, removeCompanyLogo, replaceCompanyLogo } from "../../company/company";
import { companyProfileUpdateSchema, missingSellerDetails, type CompanyProfile } from "../../company/profile";
import { AppError } from "../../lib/errors";
import { validate } from "../../lib/validate";
import { ActionForm, Csrf, Layout, type PageContext } from "../layout";
import { act, field, render, type DashboardEnv, type FormFields } from "../respond";

/** Bank account rows the form offers (the profile keeps at most 5). */
const BANK_ROWS = 3;
const ADDRESS_FIELDS = ["line1", "line2", "city", "postcode", "region", "country"] as const;
const ADDRESS_LABELS: Record<(typeof ADDRESS_FIELDS)[number], string> = {
  line1: "Address line 1",
  line2: "Address line 2",
  city: "City",
  postcode: "Postcode",
  region: "Region",
  country: "Country (ISO code, e.g. LV)",
};

/** The form's values by field name (`address.city`, `bank_accounts.0.iban`), as typed or as stored. */
type Values = Record<string, string>;
type Errors = Record<string, string>;

function valuesOf(profile: CompanyProfile): Values {
  const values: Values = {
    legal_name: profile.legal_name ?? "",
    registration_number: profile.registration_number ?? "",
    vat_number: profile.vat_number ?? "",
    email: profile.email ?? "",
    phone: profile.phone ?? "",
    invoice_footer: profile.invoice_footer ?? "",
    payment_terms_days: String(profile.payment_terms_days),
    base_currency: profile.base_currency,
    time_zone: profile.time_zone,
    locale: profile.locale,
  };
  for (const key of ADDRESS_FIELDS) values[`address.${key}`] = profile.address[key] ?? "";
  profile.bank_accounts.forEach((account, index) => {
    values[`bank_accounts.${index}.iban`] = account.iban;
    values[`bank_accounts.${index}.bic`] = account.bic ?? "";
    values[`bank_accounts.${index}.bank_name`] = account.bank_name ?? "";
  });
  return values;
}

function postedValues(form: FormFields): Values {
  const values: Values = {};
  for (const [name, value] of Object.entries(form)) if (typeof value === "string") values[name] = value;
  return values;
}

/** The posted form as a profile change: every field given (an empty one clears it), bank rows without an IBAN left out. */
function changeOf(form: FormFields): Record<string, unknown> {
  const text = (name: string) => field(form, name) ?? null;
  const terms = field(form, "payment_terms_days");
  const banks = [];
  for (let index = 0; index < BANK_ROWS; index += 1) {
    const iban = field(form, `bank_accounts.${index}.iban`);
    if (iban) banks.push({ iban, bic: text(`bank_accounts.${index}.bic`), bank_name: text(`bank_accounts.${index}.bank_name`) });
  }
  return {
    legal_name: text("legal_name"),
    registration_number: text("registration_number"),
    vat_number: text("vat_number"),
    email: text("email"),
    phone: text("phone"),
    invoice_footer: text("invoice_footer"),
    payment_terms_days: terms === undefined ? undefined : /^\d+$/.test(terms) ? Number(terms) : terms,
    base_currency: field(form, "base_currency"),
    time_zone: field(form, "time_zone"),
    locale: field(form, "locale"),
    address: Object.fromEntries(ADDRESS_FIELDS.map((key) => [key, text(`address.${key}`)])),
    bank_accounts: banks,
  };
}

function Field(props: { name: string; label: string; values: Values; errors: Errors; type?: string; maxlength?: number; hint?: string }) {
  const error = props.errors[props.name];
  const id = `f-${props.name.replace(/\./g, "-")}`;
  return (
    <label>
      {props.label}
      {props.hint ? <span class="muted small">{` (${props.hint})`}</span> : null}
      <input
        id={id}
        type={props.type ?? "text"}
        name={props.name}
        value={props.values[props.name] ?? ""}
        maxlength={props.maxlength}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error ? (
        <span class="field-error" id={`${id}-error`} role="alert">
          {error}
        </span>
      ) : null}
    </label>
  );
}

function CompanyPage(props: { page: PageContext; values: Values; errors: Errors; logo: { type: string } | null; missing: string[] }) {
  const { values, errors } = props;
  const f = (name: string, label: string, extra: { type?: string; maxlength?: number; hint?: string } = {}) => (
    <Field name={name} label={label} values={values} errors={errors} {...extra} />
  );
  const footerError = errors.invoice_footer;
  const bankError = errors.bank_accounts;
  return (
    <Layout title="Company" nav="company" page={props.page}>
      <h1>Company</h1>
      <p class="lead">The seller every document names, and how the books are kept. An executed document keeps the profile as it stood then.</p>
      {Object.keys(errors).length ? (
        <div class="flash error" role="alert">
          The profile was not saved: see the fields marked below.
        </div>
      ) : null}
      <form method="post" action="/dashboard/company">
        <Csrf page={props.page} />
        <fieldset>
          <legend>Seller</legend>
          {f("legal_name", "Legal name", { maxlength: 300 })}
          {f("registration_number", "Registration number", { maxlength: 64 })}
          {f("vat_number", "VAT number", { maxlength: 32, hint: "with its country prefix, like LV40003245752" })}
          {ADDRESS_FIELDS.map((key) => f(`address.${key}`, ADDRESS_LABELS[key], { maxlength: 200 }))}
          {f("email", "E-mail", { type: "email", maxlength: 320, hint: "replies to sent invoices go here" })}
          {f("phone", "Phone", { maxlength: 64 })}
        </fieldset>
        <fieldset>
          <legend>Bank accounts</legend>
          {bankError ? (
            <span class="field-error" role="alert">
              {bankError}
            </span>
          ) : null}
          {Array.from({ length: BANK_ROWS }, (_, index) => (
            <div class="row">
              {f(`bank_accounts.${index}.iban`, `IBAN ${index + 1}`, { maxlength: 42 })}
              {f(`bank_accounts.${index}.bic`, "BIC", { maxlength: 11 })}
              {f(`bank_accounts.${index}.bank_name`, "Bank", { maxlength: 200 })}
            </div>
          ))}
        </fieldset>
        <fieldset>
          <legend>Terms and books</legend>
          {f("payment_terms_days", "Payment terms (days)", { type: "number" })}
          {f("base_currency", "Base currency", { maxlength: 3, hint: "ISO 4217, like EUR" })}
          {f("time_zone", "Time zone", { maxlength: 64, hint: "IANA, like Europe/Riga" })}
          {f("locale", "Locale", { maxlength: 35, hint: "like lv-LV or en-GB" })}
          <label>
            Invoice footer
            <textarea name="invoice_footer" rows={3} maxlength={2000} aria-invalid={footerError ? "true" : undefined}>
              {values.invoice_footer ?? ""}
            </textarea>
            {footerError ? (
              <span class="field-error" role="alert">
                {footerError}
              </span>
            ) : null}
          </label>
        </fieldset>
        {props.page.can("POST", "/dashboard/company") ? (
          <div>
            <button type="submit">Save profile</button>
          </div>
        ) : null}
      </form>
      {props.missing.length ? <p class="muted small">{`Documents cannot name the seller fully yet: missing ${props.missing.join(", ")}.`}</p> : null}

      <h2>Logo</h2>
      {props.logo ? (
        <p>
          <img src="/dashboard/company/logo" alt="The company's logo" height={64} />
        </p>
      ) : (
        <p class="muted small">No logo yet.</p>
      )}
      {props.page.can("POST", "/dashboard/company/logo") ? (
        <form method="post" action="/dashboard/company/logo" enctype="multipart/form-data">
          <Csrf page={props.page} />
          <label>
            {`PNG or JPEG, at most ${LOGO_MAX_BYTES / 1024} KiB`}
            <input type="file" name="logo" accept={LOGO_TYPES.join(",")} required />
          </label>
          <div>
            <button type="submit">Upload logo</button>
          </div>
        </form>
      ) : null}
      {props.logo ? (
        <ActionForm page={props.page} action="/dashboard/company/logo/delete">
          <button type="submit">Remove logo</button>
        </ActionForm>
      ) : null}
    </Layout>
  );
}

async function pageData(d1: D1Database) {
  const view = await companyProfileView(d1);
  return { view, missing: missingSellerDetails(view) };
}

export const companyPages = new Hono<DashboardEnv>()
  .get("/", async (c) => {
    const { view, missing } = await pageData(c.var.services.d1);
    return render(c, <CompanyPage page={c.var.page} values={valuesOf(view)} errors={{}} logo={view.logo} missing={missing} />);
  })

  .post("/", async (c) => {
    const { services, form } = c.var;
    let change;
    try {
      change = validate(companyProfileUpdateSchema, changeOf(form));
    } catch (error) {
      if (!(error instanceof AppError) || !error.problems) throw error;
      const errors: Errors = {};
      for (const problem of error.problems) errors[problem.field] ??= problem.message;
      const { view, missing } = await pageData(services.d1);
      return render(c, <CompanyPage page={c.var.page} values={postedValues(form)} errors={errors} logo={view.logo} missing={missing} />, 400);
    }
    return act(c, "/dashboard/company", async () => {
      await changeCompanyProfile(services.d1, change, services.now());
      return { kind: "ok", text: "The company profile is saved." };
    });
  })

  .get("/logo", async (c) => {
    const logo = await companyLogo(c.var.services);
    if (!logo) throw new AppError("not_found", "The company has no logo");
    return c.body(logo.bytes, 200, { "content-type": logo.type, "cache-control": "private, max-age=300" });
  })

  .post("/logo", (c) =>
    act(c, "/dashboard/company", async () => {
      const file = c.var.form.logo;
      const upload = Array.isArray(file) ? file[0] : file;
      if (!(upload instanceof File)) throw new AppError("validation_failed", "Choose a PNG or JPEG file to upload");
      if (upload.size > LOGO_MAX_BYTES) throw new AppError("validation_failed", `A logo must be at most ${LOGO_MAX_BYTES / 1024} KiB`);
      await replaceCompanyLogo(c.var.services, new Uint8Array(await upload.arrayBuffer()), upload.type);
      return { kind: "ok", text: "The logo is saved." };
    }),
  )

  .post("/logo/delete", (c) =>
    act(c, "/dashboard/company", async () => {
      await removeCompanyLogo(c.var.services);
      return { kind: "ok", text: "The logo is removed." };
    }),
  );
