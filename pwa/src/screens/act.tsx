// The page a reminder's link opens (/act/<token>): the key action, when it was due, and one button per
// choice. Opening it changes nothing (mail scanners and chat previews open links too); only a tap POSTs.
// The token is the permission, so it works signed out, and an answer can be undone for ten minutes.
import { useRoute } from "preact-iso";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, describeError, OfflineError, type Schemas, unwrap } from "../api/client";
import { DoneIcon, EncouragementIcon, Icon, NotDoneIcon, PartlyIcon, SkippedIcon, SnoozedIcon, type IconNode } from "../icons";
import { type Call, useMutate } from "../store/mutate";
import { session } from "../store/state";
import { Field } from "../ui";
import { choiceWords, cueSentence, dateInWords, nextInWords } from "../words";
import "./act.css";

export { choiceWords };

export type ActLink = Schemas["ActLinkOut"];
export type ActChoice = Schemas["ActChoice"];
type ActBody = Schemas["ActAnswerIn"];

// No sign-in: the token is the permission (the typed client adds the CSRF token only when signed in).
const show = (token: string) => unwrap(api.GET("/api/v1/act/{token}", { params: { path: { token } } }));
const answer = (token: string, body: ActBody): Call<ActLink> => () => api.POST("/api/v1/act/{token}", { params: { path: { token } }, body });
const undoAnswer = (token: string): Call<ActLink> => () => api.POST("/api/v1/act/{token}/undo", { params: { path: { token } } });

const CHOICE_ICONS: Record<ActChoice, IconNode> = {
  done: DoneIcon, partly: PartlyIcon, not_done: NotDoneIcon, skipped: SkippedIcon,
  snooze_15m: SnoozedIcon, snooze_1h: SnoozedIcon, snooze_tonight: SnoozedIcon, encourage: EncouragementIcon,
};
const isChoice = (value: unknown): value is ActChoice => typeof value === "string" && value in CHOICE_ICONS;
const isSnooze = (choice: string) => choice.startsWith("snooze_");

/** The local calendar date ("YYYY-MM-DD") an instant falls on in a zone. */
export function localDateIn(iso: string | Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date(iso));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** "Due today 8:00", "Due yesterday 17:30", in the person's zone. */
export function dueWords(link: Pick<ActLink, "dueAt" | "timeZone">, now: Date, locale?: string): string {
  return `Due ${nextInWords(link.dueAt, link.timeZone, now, locale)}`;
}

/** What an answer did, as one sentence: "Done — counted for Tuesday 1 December", "Snoozed until 12:38",
 * "Sent to Ada: “Keep going!”". */
export function answerWords(link: ActLink, now: Date, locale?: string): string {
  const answer = link.answer;
  if (!answer) return "";
  const zone = link.timeZone;
  if (isSnooze(answer.choice)) {
    if (!answer.snoozedUntil) return choiceWords(answer.choice);
    return `Snoozed until ${nextInWords(answer.snoozedUntil, zone, now, locale).replace(/^today /, "")}`;
  }
  if (answer.choice === "encourage") {
    const to = link.personName ? `Sent to ${link.personName}` : "Encouragement sent";
    return answer.note ? `${to}: “${answer.note}”` : to;
  }
  const day = dateInWords(localDateIn(link.dueAt, zone), locale, localDateIn(now, zone));
  const counted = answer.choice === "done" || answer.choice === "partly" ? "counted for" : "noted for";
  return `${choiceWords(answer.choice)} — ${counted} ${day}`;
}

/** "You answered today 8:03." */
export function answeredAtWords(link: ActLink, now: Date, locale?: string): string {
  return link.answer ? `You answered ${nextInWords(link.answer.at, link.timeZone, now, locale)}.` : "";
}

/** How long Undo stays possible, in words ("9 minutes left to undo"), or null once it is not. */
export function undoLeftWords(undoUntil: string | null, now: Date): string | null {
  if (!undoUntil) return null;
  const seconds = Math.floor((Date.parse(undoUntil) - now.getTime()) / 1000);
  if (seconds <= 0) return null;
  if (seconds < 60) return `${seconds} ${seconds === 1 ? "second" : "seconds"} left to undo`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} ${minutes === 1 ? "minute" : "minutes"} left to undo`;
}

/** The choice a message's link named (`?choice=done`), if the page offers it: shown, never acted on. */
export function suggestedChoice(query: string | undefined, choices: readonly string[]): ActChoice | null {
  return isChoice(query) && choices.includes(query) ? query : null;
}

/** Why a link could not be shown or used, so the page can say it in plain words. */
export function failureOf(error: unknown): "invalid" | "expired" | "offline" | "conflict" | "other" {
  if (error instanceof OfflineError) return "offline";
  if (error instanceof ApiError) {
    if (error.status === 404 || error.status === 400) return "invalid";
    if (error.status === 410) return "expired";
    if (error.status === 409) return "conflict";
  }
  return "other";
}

type Page = { kind: "loading" } | { kind: "failed"; error: unknown } | { kind: "ready"; link: ActLink };

export default function Act() {
  const { params, query } = useRoute();
  const token = params.token ?? "";
  const [page, setPage] = useState<Page>({ kind: "loading" });
  const load = () => {
    setPage({ kind: "loading" });
    show(token).then((link) => setPage({ kind: "ready", link }), (error) => setPage({ kind: "failed", error }));
  };
  useEffect(load, [token]);
  return (
    <>
      {/* Signed out there is no app header: say whose page this is. */}
      {session.value === null && <p class="act-brand">Followthrough</p>}
      {page.kind === "loading" ? (
        <p class="act" aria-live="polite">Loading the reminder…</p>
      ) : page.kind === "failed" ? (
        <Trouble error={page.error} retry={load} />
      ) : page.link.state === "expired" ? (
        <Trouble error={new ApiError(410, "expired")} retry={load} />
      ) : (
        <LinkPage token={token} link={page.link} suggested={suggestedChoice(query.choice, page.link.choices)} onChange={(link) => setPage({ kind: "ready", link })} />
      )}
    </>
  );
}

/** The friendly pages: a link that does not work, one whose time has passed, no network. */
function Trouble({ error, retry }: { error: unknown; retry: () => void }) {
  const why = failureOf(error);
  return (
    <section class="act act-trouble">
      {why === "invalid" && (
        <>
          <h1>This link does not work</h1>
          <p>It may have been cut off when copied. Try the link in the message again, or check in from the app.</p>
          <p><a class="button" href="/today">Open Followthrough</a></p>
        </>
      )}
      {why === "expired" && (
        <>
          <h1>This link has expired</h1>
          <p>Links in reminders stop working after a while. This one’s time has passed, so it can no longer change anything.</p>
          <p>You can still check in from Today.</p>
          <p><a class="button primary" href="/today">Open Today</a></p>
        </>
      )}
      {(why === "offline" || why === "other" || why === "conflict") && (
        <>
          <h1>{why === "offline" ? "No connection" : "The reminder could not be opened"}</h1>
          <p role="alert">{why === "offline" ? "You are offline; try again when connected." : describeError(error)}</p>
          <p><button type="button" class="primary" onClick={retry}>Try again</button></p>
        </>
      )}
    </section>
  );
}

/** A working link: what it is about, then the choices or the answer. */
function LinkPage(props: { token: string; link: ActLink; suggested: ActChoice | null; onChange: (link: ActLink) => void }) {
  const { token, link, onChange } = props;
  const { mutate, busy, error } = useMutate();
  const now = useNow(link.answer?.undoUntil ?? null);
  const send = async (call: Call<ActLink>) => {
    const sent = await mutate(call);
    if (sent.status === "done") return onChange(sent.data);
    // Answered elsewhere meanwhile (another tap, the app): show what is true now.
    if (sent.status === "failed" && failureOf(sent.error) === "conflict") onChange(await show(token).catch(() => link));
  };
  const act = (body: ActBody) => send(answer(token, body));
  const undo = () => send(undoAnswer(token));
  const encourage = link.purpose === "encourage";
  const cue = encourage ? null : cueSentence(link.cue, link.keyActionTitle);
  const answered = link.state === "answered" && link.answer !== null;
  return (
    <section class="act">
      {encourage ? (
        <>
          <h1>Encourage {link.personName ?? "your partner"}</h1>
          <p class="act-about">{link.personName ?? "Your partner"} will see your message in Followthrough.</p>
        </>
      ) : (
        <>
          <h1>{link.keyActionTitle}</h1>
          {cue && <p class="cue">{cue}</p>}
          <p class="act-due">
            <time dateTime={link.dueAt}>{dueWords(link, now)}</time>
          </p>
        </>
      )}
      {answered && <Answered link={link} now={now} busy={busy} onUndo={undo} />}
      {/* After a snooze the link still answers: Done (or another snooze) stays on offer. */}
      {link.choices.length > 0 &&
        (encourage ? (
          <EncourageChoices link={link} busy={busy} act={act} />
        ) : (
          <>
            {answered && <h2 class="act-again">Or answer now</h2>}
            <ReminderChoices link={link} suggested={answered ? null : props.suggested} busy={busy} act={act} />
          </>
        ))}
      <ActError error={error} />
    </section>
  );
}

/** The clock, ticking each second while an Undo is counting down (so its "minutes left" stays true). */
function useNow(undoUntil: string | null): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    setNow(new Date());
    if (!undoUntil || Date.parse(undoUntil) <= Date.now()) return;
    const timer = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(timer);
  }, [undoUntil]);
  return now;
}

function ActError({ error }: { error: unknown }) {
  if (!error) return null;
  const why = failureOf(error);
  const text =
    why === "offline" ? "You are offline; try again when connected."
      : why === "expired" ? "This link has expired, so nothing was changed. You can still check in from Today."
        : why === "conflict" ? `${describeError(error)} The page now shows the answer that counts.`
          : describeError(error);
  return <p class="error" role="alert">{text}</p>;
}

/** The answer, when it was given, and Undo while it is still possible. */
function Answered({ link, now, busy, onUndo }: { link: ActLink; now: Date; busy: boolean; onUndo: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // Focus follows the tap to what it did, so a screen reader hears it at once.
  useEffect(() => heading.current?.focus(), []);
  const answer = link.answer!;
  const left = undoLeftWords(answer.undoUntil, now);
  const choice = isChoice(answer.choice) ? answer.choice : "done";
  return (
    <div class="act-answer card" data-result={choice} role="status">
      <h2 ref={heading} tabIndex={-1}>
        <Icon icon={CHOICE_ICONS[choice]} />
        {answerWords(link, now)}
      </h2>
      {answer.note && answer.choice !== "encourage" && <p class="act-note">{answer.note}</p>}
      <p class="sub">{answeredAtWords(link, now)}</p>
      {left && (
        <p class="row">
          <button type="button" disabled={busy} onClick={onUndo}>
            Undo
          </button>
          <span class="sub">{left}</span>
        </p>
      )}
      <p>
        <a href="/today">Open Today</a>
      </p>
    </div>
  );
}

/** Done, Partly…, Not done…, and Snooze, as the server offers them; the suggested one is marked. */
function ReminderChoices(props: { link: ActLink; suggested: ActChoice | null; busy: boolean; act: (body: ActBody) => void }) {
  const { link, suggested, busy, act } = props;
  const offered = (choice: ActChoice) => link.choices.includes(choice);
  // A link for Partly or Not done opens its note field at once (typing a note is not acting).
  const [noting, setNoting] = useState<"partly" | "not_done" | null>(
    suggested === "partly" || suggested === "not_done" ? suggested : null,
  );
  const mark = (choice: ActChoice) => (choice === suggested ? " act-suggested" : "");
  const snoozes: [ActChoice, string][] = [["snooze_15m", "15 min"], ["snooze_1h", "1 hour"], ["snooze_tonight", "Tonight"]];
  return (
    <div class="act-choices">
      {suggested && !noting && (
        <p class="act-hint">You chose “{choiceWords(suggested).replace(/^Snoozed/, "Snooze")}” in the message. Tap it below to confirm.</p>
      )}
      {offered("done") && (
        <button type="button" class={`primary act-done${mark("done")}`} disabled={busy} onClick={() => act({ choice: "done" })}>
          <Icon icon={DoneIcon} />
          Done
        </button>
      )}
      <div class="act-grid">
        {offered("partly") && (
          <button type="button" class={mark("partly")} aria-expanded={noting === "partly"} disabled={busy} onClick={() => setNoting(noting === "partly" ? null : "partly")}>
            Partly…
          </button>
        )}
        {offered("not_done") && (
          <button type="button" class={mark("not_done")} aria-expanded={noting === "not_done"} disabled={busy} onClick={() => setNoting(noting === "not_done" ? null : "not_done")}>
            Not done…
          </button>
        )}
      </div>
      {noting && <NoteForm choice={noting} unit={measureUnitOf(link)} busy={busy} act={act} onCancel={() => setNoting(null)} />}
      {snoozes.some(([choice]) => offered(choice)) && (
        <div class="act-snooze" role="group" aria-labelledby="act-snooze-label">
          <h2 id="act-snooze-label">Snooze</h2>
          <div class="act-grid three">
            {snoozes.filter(([choice]) => offered(choice)).map(([choice, label]) => (
              <button type="button" key={choice} class={mark(choice)} disabled={busy} onClick={() => act({ choice })}>
                {label}
              </button>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}

/** The key action's measure unit, once the link's answer carries it (not yet: then no measure field, as a
 * value without its unit would be a number without meaning). */
const measureUnitOf = (link: ActLink): string | null => (link as { measureUnit?: string | null }).measureUnit ?? null;

/** Partly or Not done: a note (and the measure, when the key action has one), then Save. */
function NoteForm(props: { choice: "partly" | "not_done"; unit: string | null; busy: boolean; act: (body: ActBody) => void; onCancel: () => void }) {
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const note = String(form.get("note") ?? "").trim();
    const measure = String(form.get("measure") ?? "").trim();
    props.act({ choice: props.choice, note: note || null, measureValue: measure ? Number(measure) : null });
  };
  return (
    <form class="card stack act-note-form" onSubmit={submit} data-form="act-note">
      <h2>{props.choice === "partly" ? "Partly: what happened?" : "Not done: what got in the way?"}</h2>
      <Field label="Note (optional)">
        <textarea name="note" rows={3} maxLength={2000} />
      </Field>
      {props.unit && (
        <Field label={`How many ${props.unit}? (optional)`}>
          <input name="measure" type="number" inputMode="decimal" min="0" step="any" />
        </Field>
      )}
      <div class="row">
        <button type="submit" class="primary" disabled={props.busy}>
          Save
        </button>
        <button type="button" class="link" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

const PRESETS = ["Proud of you for showing up.", "Small steps count.", "You hold the key. Go for it."];

/** A partner's digest link: one tap on a ready message, or words of one's own. */
function EncourageChoices({ link, busy, act }: { link: ActLink; busy: boolean; act: (body: ActBody) => void }) {
  const send = (message: string) => act({ choice: "encourage", message });
  // The server names its one-tap message in `keyActionTitle` on encourage links: offered first.
  const presets = [...new Set([link.keyActionTitle, ...PRESETS].filter(Boolean))];
  const submit = (event: Event) => {
    event.preventDefault();
    const message = String(new FormData(event.currentTarget as HTMLFormElement).get("message") ?? "").trim();
    if (message) send(message);
  };
  return (
    <div class="act-choices">
      <div class="act-presets" role="group" aria-label="Quick messages">
        {presets.map((p) => (
          <button type="button" key={p} disabled={busy} onClick={() => send(p)}>
            {p}
          </button>
        ))}
      </div>
      <form class="stack" onSubmit={submit} data-form="act-encourage">
        <Field label="Or write your own" hint="Up to 280 characters.">
          <input name="message" maxLength={280} required />
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          Send to {link.personName ?? "your partner"}
        </button>
      </form>
    </div>
  );
}
