/**
 * The typeface documents are printed in: DejaVu Sans, cut down to Latin, Latin Extended-A/B, the
 * general punctuation and "€" (assets/fonts/README.md says how), so that "Kalniņš" and "Łódź"
 * print as written. Bundled into the Worker as bytes (wrangler.toml `rules`).
 */
import bold from "../../../assets/fonts/DejaVuSans-Bold.ttf";
import regular from "../../../assets/fonts/DejaVuSans.ttf";

export const DOCUMENT_FONTS = { regular, bold };
