/** A table's header row from its column names; a number column (right-aligned) is `{ num: "…" }`. */
export function TableHead(props: { columns: Array<string | { num: string }> }) {
  return (
    <thead>
      <tr>{props.columns.map((column) => (typeof column === "string" ? <th>{column}</th> : <th class="num">{column.num}</th>))}</tr>
    </thead>
  );
}
