/** The search box of the customer and product lists, and the query it sends. */
import { z } from "zod";

/** `?q=…&cursor=…`, forgiving: a value out of bounds is dropped rather than refused. */
export const searchQuery = z.object({
  q: z.string().trim().min(1).max(200).optional().catch(undefined),
  cursor: z.string().max(500).optional().catch(undefined),
});

export function SearchForm(props: { action: string; q: string | undefined; placeholder: string; size: number }) {
  return (
    <form method="get" action={props.action} class="filters" role="search">
      <label>
        Search
        <input type="search" name="q" value={props.q ?? ""} placeholder={props.placeholder} size={props.size} />
      </label>
      <button type="submit">Search</button>
    </form>
  );
}

/** What a list says when it is empty: nothing matches the search, or there is nothing yet. */
export const NoneFound = (props: { q: string | undefined; noMatch: string; none: string }) => <p class="muted">{props.q ? props.noMatch : props.none}</p>;
