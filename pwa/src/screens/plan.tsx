// The plan: what holds the person back (barriers) and what they committed to do about it (key actions),
// on one page. Each item links to its own page, where it is edited.
import type { ComponentChildren } from "preact";
import { api, type Schemas, unwrap } from "../api/client";
import { AddIcon, Icon, NextIcon, ReflectIcon } from "../icons";
import { describeSchedule } from "../schedule";
import { useResource } from "../store/resource";
import { ErrorNote, Loading, Stale } from "../ui";

type Barrier = Schemas["BarrierOut"];
type KeyAction = Schemas["KeyActionOut"];

// Open items first: what still holds, and what is still being done.
const BARRIER_ORDER: Schemas["BarrierStatus"][] = ["holding", "loosening", "broken"];
const ACTION_ORDER: Schemas["ActionStatus"][] = ["active", "paused", "done", "dropped"];

function byStatus<T extends { status: S; title: string }, S extends string>(items: T[], order: S[]): T[] {
  return [...items].sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status) || a.title.localeCompare(b.title));
}

function PlanItem(props: { href: string; title: string; status: string; children?: ComponentChildren }) {
  return (
    <li>
      <a class="plan-item" href={props.href}>
        <span class="plan-text">
          <span class="plan-title">{props.title}</span>
          {props.children}
        </span>
        <span class={`tag ${props.status}`}>{props.status}</span>
        <Icon icon={NextIcon} class="chevron" />
      </a>
    </li>
  );
}

function BarrierList({ barriers }: { barriers: Barrier[] }) {
  if (barriers.length === 0) return <p class="sub">No barriers yet. Name what holds you back, or find it with a guided reflection.</p>;
  return (
    <ul class="list plan-list card">
      {byStatus(barriers, BARRIER_ORDER).map((b) => (
        <PlanItem key={b.id} href={`/barriers/${b.id}`} title={b.title} status={b.status}>
          <span class="sub level">{b.level}</span>
        </PlanItem>
      ))}
    </ul>
  );
}

function ActionList({ actions, barriers }: { actions: KeyAction[]; barriers: Barrier[] }) {
  if (actions.length === 0) return <p class="sub">No key actions yet. A key action is one small step you commit to.</p>;
  const barrierTitle = new Map(barriers.map((b) => [b.id, b.title]));
  return (
    <ul class="list plan-list card">
      {byStatus(actions, ACTION_ORDER).map((a) => (
        <PlanItem key={a.id} href={`/actions/${a.id}`} title={a.title} status={a.status}>
          <span class="sub">{describeSchedule(a.schedule)}</span>
          {a.barrierId && barrierTitle.has(a.barrierId) && <span class="sub">Against: {barrierTitle.get(a.barrierId)}</span>}
        </PlanItem>
      ))}
    </ul>
  );
}

export default function Plan() {
  const barriers = useResource("barriers", () => unwrap(api.GET("/api/v1/barriers", { params: { query: { limit: 100 } } })));
  const actions = useResource("actions", () => unwrap(api.GET("/api/v1/key-actions", { params: { query: { limit: 100 } } })));
  return (
    <section>
      <h1>Plan</h1>
      <Stale stale={barriers.stale || actions.stale} />
      <section aria-labelledby="plan-barriers">
        <h2 id="plan-barriers">Barriers</h2>
        {barriers.loading && !barriers.data && <Loading what="barriers" />}
        <ErrorNote error={barriers.error} />
        {barriers.data && <BarrierList barriers={barriers.data.items} />}
        <p class="row">
          {/* The barriers page opens its form for a new barrier there. */}
          <a class="button" href="/barriers?add=1">
            <Icon icon={AddIcon} /> Add a barrier
          </a>
          <a class="button" href="/reflect">
            <Icon icon={ReflectIcon} /> Guided reflection
          </a>
        </p>
      </section>
      <section aria-labelledby="plan-actions">
        <h2 id="plan-actions">Key actions</h2>
        {actions.loading && !actions.data && <Loading what="key actions" />}
        <ErrorNote error={actions.error} />
        {actions.data && <ActionList actions={actions.data.items} barriers={barriers.data?.items ?? []} />}
        <p class="row">
          <a class="button primary" href="/actions/new">
            <Icon icon={AddIcon} /> New key action
          </a>
        </p>
      </section>
    </section>
  );
}
