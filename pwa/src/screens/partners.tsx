// Partners: the encouragement I received, the people who support me or whom I support, and invites; and the
// preview of what a partner sees. Each part is its own module.
import { useRoute } from "preact-iso";
import { api, unwrap } from "../api/client";
import { useResource } from "../store/resource";
import { ErrorNote, Loading, Stale } from "../ui";
import { Received } from "./encouragement-received";
import { Invites } from "./partner-invites";
import { People } from "./partner-people";
import { SharedProgress } from "./shared-view";

export default function Partners() {
  return (
    <section>
      <h1>Partners</h1>
      <Received />
      <People />
      <Invites />
    </section>
  );
}

export function PartnerPreview() {
  const { params } = useRoute();
  const view = useResource(`preview-${params.id}`, () =>
    unwrap(api.GET("/api/v1/partnerships/{partnership_id}/preview", { params: { path: { partnership_id: params.id } } })),
  );
  return (
    <section>
      <p>
        <a href="/partners">← Partners</a>
      </p>
      <h1>What your partner sees</h1>
      <p class="banner">This is exactly what they see of you. Nothing else is shared.</p>
      <Stale stale={view.stale} />
      {view.loading && !view.data && <Loading what="the preview" />}
      <ErrorNote error={view.error} />
      {view.data && <SharedProgress view={view.data} />}
    </section>
  );
}

export { AcceptInvite, SupportedPerson } from "./supporting";
