// Partners: the people on either side of a partnership, one card each, with what they see of me (scope,
// preview, end) and what I hear about them.
import { api, type Schemas, unwrap } from "../api/client";
import { useMutate } from "../store/mutate";
import { useResource } from "../store/resource";
import { ErrorNote, formatDate, Loading, Stale, Toggle } from "../ui";

/** One person, whichever way the partnership runs: they support me, I support them, or both (mutual). */
interface Person {
  id: string;
  name: string;
  supportsMe?: Schemas["PartnershipOut"];
  supportedByMe?: Schemas["SupportedOut"];
}

export function peopleOf(partnerships: Schemas["PartnershipOut"][], supporting: Schemas["SupportedOut"][]): Person[] {
  const byId = new Map<string, Person>();
  const person = (id: string, name: string) => byId.get(id) ?? byId.set(id, { id, name }).get(id)!;
  for (const p of partnerships) person(p.partner.id, p.partner.displayName).supportsMe = p;
  for (const s of supporting) person(s.person.id, s.person.displayName).supportedByMe = s;
  return [...byId.values()].sort((x, y) => x.name.localeCompare(y.name));
}

export function People() {
  const partnerships = useResource("partnerships", () => unwrap(api.GET("/api/v1/partnerships")));
  const supporting = useResource("supporting", () => unwrap(api.GET("/api/v1/supporting")));
  const { mutate, error } = useMutate();
  const update = async (id: string, body: Schemas["PartnershipUpdate"]) => {
    const path = { params: { path: { partnership_id: id } } };
    if ((await mutate(() => api.PATCH("/api/v1/partnerships/{partnership_id}", { ...path, body }))).status === "done") partnerships.reload();
  };
  const updateSupport = async (id: string, body: Schemas["SupportUpdate"]) => {
    const path = { params: { path: { partnership_id: id } } };
    if ((await mutate(() => api.PATCH("/api/v1/supporting/{partnership_id}", { ...path, body }))).status === "done") supporting.reload();
  };
  const end = async (p: Schemas["PartnershipOut"]) => {
    if (!confirm(`Stop sharing with ${p.partner.displayName}? They stop seeing your progress at once.`)) return;
    const path = { params: { path: { partnership_id: p.id } } };
    if ((await mutate(() => api.DELETE("/api/v1/partnerships/{partnership_id}", path))).status === "done") partnerships.reload();
  };
  const loaded = partnerships.data && supporting.data;
  const people = loaded ? peopleOf(partnerships.data!, supporting.data!) : [];
  return (
    <section aria-labelledby="people">
      <h2 id="people">Your partners</h2>
      <p class="sub">They see only the key actions you mark “My accountability partners”.</p>
      <Stale stale={partnerships.stale || supporting.stale} />
      {!loaded && (partnerships.loading || supporting.loading) && <Loading what="your partners" />}
      <ErrorNote error={partnerships.error ?? supporting.error ?? error} />
      {loaded && people.length === 0 && <p class="sub">No partner yet. Invite someone below.</p>}
      <ul class="list">
        {people.map(({ id, name, supportsMe: p, supportedByMe: s }) => (
          <li key={id} class="card stack" data-testid="partner">
            <h3>{name}</h3>
            <p class="sub">
              {p && s ? "Mutual: you support each other" : p ? "Supports you" : "You support them"}
              {p && ` · since ${formatDate(p.startedAt)}`}
              {p?.partner.email && ` · ${p.partner.email}`}
            </p>
            {s && (
              <p>
                <a class="button" href={`/partners/supporting/${s.id}`}>
                  {name}’s progress and encouragement
                </a>
              </p>
            )}
            {p && (
              <fieldset>
                <legend>What {name} sees of you</legend>
                <Toggle
                  label="Share details"
                  hint="Notes, cues and barriers, not only done or not."
                  checked={p.shareDetails}
                  onChange={(v) => update(p.id, { shareDetails: v })}
                />
                <Toggle label="Show my email" checked={p.showEmail} onChange={(v) => update(p.id, { showEmail: v })} />
                <Toggle
                  label="Tell them when I miss a check-in"
                  hint={p.partnerWantsMissedNudges ? "They asked for these." : "Sent only if they opt in too."}
                  checked={p.missedNudges}
                  onChange={(v) => update(p.id, { missedNudges: v })}
                />
                <p class="row">
                  <a class="button" href={`/partners/${p.id}/preview`}>
                    Preview what {name} sees
                  </a>
                  <button type="button" class="danger" onClick={() => void end(p)}>
                    Stop sharing with {name}
                  </button>
                </p>
              </fieldset>
            )}
            {s && (
              <fieldset>
                <legend>What you hear about {name}</legend>
                <Toggle label="Weekly digest" checked={s.digest} onChange={(v) => updateSupport(s.id, { digest: v })} />
                <Toggle
                  label="Tell me when they miss a check-in"
                  hint={s.personAllowsMissedNudges ? "They allow it." : "Only if they allow it too."}
                  checked={s.missedNudges}
                  onChange={(v) => updateSupport(s.id, { missedNudges: v })}
                />
              </fieldset>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
