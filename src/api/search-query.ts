/** The query of a searchable list (customers, products): a part of some text to find, and a page of the rows found. */
import { z } from "zod";
import { limitSchema } from "../db/pagination";

export const searchListQuery = (searched: string) =>
  z.object({
    q: z.string().trim().min(1).max(200).optional().meta({ description: `Part of ${searched} (case-insensitive)` }),
    cursor: z.string().optional(),
    limit: limitSchema,
  });
