/**
 * A channel's set-up steps as HTML, from the steps its adapter carries (the API's `setup` lists
 * are the same steps as text): menus and buttons as the store's admin names them, the URI as code.
 */
import type { SetupPart, SetupStep } from "../channels/types";

const Path = (props: { children: string }) => <span class="path">{props.children}</span>;

function Part(props: { part: SetupPart; uri: string }) {
  const { part } = props;
  if (typeof part === "string") return <>{part}</>;
  if ("menu" in part) return <Path>{part.menu.join(" › ")}</Path>;
  if ("button" in part) return <Path>{part.button}</Path>;
  if ("value" in part) return <Path>{part.value}</Path>;
  if ("code" in part) return <code>{part.code}</code>;
  if ("uri" in part) return <code>{props.uri}</code>;
  return (
    <>
      <Path>Connect to the store</Path> below
    </>
  );
}

export function SetupSteps(props: { steps: readonly SetupStep[]; uri: string }) {
  return (
    <ol class="steps">
      {props.steps.map((step) => (
        <li>
          {step.map((part) => (
            <Part part={part} uri={props.uri} />
          ))}
        </li>
      ))}
    </ol>
  );
}
