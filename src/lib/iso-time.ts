/** An epoch-milliseconds time as the API and the dashboard show it (ISO 8601, UTC); null stays null. */
export const isoTime = (epochMs: number | null | undefined): string | null => (epochMs == null ? null : new Date(epochMs).toISOString());
