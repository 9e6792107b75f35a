// The guided reflection: a short welcome, the community's five questions one per screen (from the field,
// through the organization, to you), then "What are you doing about it?", then reminders and a look at Today.
// Answers to 1–3 become barriers at their level; the last step becomes a key action. Until it is sent, the
// whole draft is kept on the device, so leaving mid-way and coming back loses nothing.
import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "../api/client";
import { cacheGet, cachePut, db } from "../store/db";
import { useMutate } from "../store/mutate";
import { ErrorNote, Loading } from "../ui";
import { ACTION_FIELDS, type ActionDraft, ActionForm } from "./action-form";
import { ReflectionDone } from "./reflect-done";

type AnswerKey = "industry" | "organization" | "personal" | "organizationFree" | "personalFree";
const QUESTIONS: { key: AnswerKey; text: string; level?: Schemas["BarrierLevel"]; skippable?: boolean }[] = [
  { key: "industry", text: "What is holding back your industry or field?", level: "industry", skippable: true },
  { key: "organization", text: "What is holding back your organization?", level: "organization", skippable: true },
  { key: "personal", text: "What is holding you back?", level: "personal" },
  { key: "organizationFree", text: "What is needed to set your organization free?" },
  { key: "personalFree", text: "What is needed to set you free?" },
];
const LEVEL_NAME: Record<Schemas["BarrierLevel"], string> = { industry: "industry", organization: "organization", personal: "personal" };

/** Where the person is: the welcome, a question, the key action, or done (reminders and Today). */
type Step = "welcome" | "why" | number | "doing" | "done";

interface ReflectionDraft {
  step: Step;
  answers: Partial<Record<AnswerKey, string>>;
  barrierIndex: number | null;
}

const DRAFT_KEY = "reflection-draft"; // in the app's IndexedDB cache, which signing out clears
const FRESH: ReflectionDraft = { step: "welcome", answers: {}, barrierIndex: null };

/** A barrier's title from an answer: its first line, cut to the API's 200 characters. */
export function barrierTitle(answer: string): string {
  const line = answer.trim().split("\n")[0].trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

function barriersFrom(answers: ReflectionDraft["answers"]): Schemas["BarrierCreate"][] {
  return QUESTIONS.filter((q) => q.level && answers[q.key]?.trim()).map((q) => ({
    title: barrierTitle(answers[q.key]!),
    detail: answers[q.key]!.trim().includes("\n") ? answers[q.key]!.trim() : null,
    level: q.level!,
  }));
}

/** The chosen barrier, unless going back emptied its answer. */
const barrierIndex = (index: number | null, barriers: unknown[]) => (index !== null && index < barriers.length ? index : null);

/** Dots for the steps from the first question to the key action, with the position in words. */
function StepDots({ at }: { at: number }) {
  const total = QUESTIONS.length + 1;
  return (
    <ol class="dots" aria-label={`Step ${at + 1} of ${total}`}>
      {Array.from({ length: total }, (_, i) => (
        <li key={i} class={i < at ? "past" : i === at ? "now" : ""} aria-hidden="true" />
      ))}
    </ol>
  );
}

export default function Reflect() {
  const [draft, setDraft] = useState<ReflectionDraft | null>(null);
  const { mutate, busy, error } = useMutate();
  const { route } = useLocation();

  useEffect(() => {
    void cacheGet<ReflectionDraft>(DRAFT_KEY).then((saved) => setDraft(saved ?? FRESH));
  }, []);
  if (!draft) return <Loading what="your reflection" />;

  const update = (next: Partial<ReflectionDraft>) => {
    const merged = { ...draft, ...next };
    setDraft(merged);
    void cachePut(DRAFT_KEY, merged);
  };
  const { step, answers } = draft;

  if (step === "welcome") {
    return (
      <section class="welcome">
        <p class="sub">Welcome · 1 of 2</p>
        <h1>Be the one with the key</h1>
        <p>
          Followthrough turns what holds you back into actions in your own power: you name your <strong>barriers</strong>,
          commit to <strong>key actions</strong>, get a reminder at the right moment and check in with one tap.
        </p>
        <p>An accountability partner can follow your progress and cheer you on. Only what you share is shown.</p>
        <div class="row">
          <button type="button" class="primary" onClick={() => update({ step: "why" })}>
            Next
          </button>
          <button type="button" onClick={() => update({ step: 0 })}>
            Skip the welcome
          </button>
        </div>
      </section>
    );
  }
  if (step === "why") {
    return (
      <section class="welcome">
        <p class="sub">Welcome · 2 of 2</p>
        <h1>Five questions, from the outside in</h1>
        <p>
          Communities of professionals ask themselves these every week: what holds back their field, their
          organization, and themselves — and what would set them free. Start wide, then come closer to what is in
          your hands.
        </p>
        <p>Then comes the question that matters: what are you doing about it?</p>
        <div class="row">
          <button type="button" class="primary" onClick={() => update({ step: 0 })}>
            Start
          </button>
          <button type="button" onClick={() => update({ step: "welcome" })}>
            Back
          </button>
        </div>
      </section>
    );
  }

  if (typeof step === "number") {
    const q = QUESTIONS[step];
    const goTo = (next: number | "doing") => update({ step: next });
    const after = step + 1 < QUESTIONS.length ? step + 1 : "doing";
    return (
      <section>
        <StepDots at={step} />
        <p class="sub">
          Reflection · question {step + 1} of {QUESTIONS.length}
        </p>
        <form
          class="stack"
          data-form="reflection-question"
          key={q.key}
          onSubmit={(event) => {
            event.preventDefault();
            goTo(after);
          }}
        >
          <label class="field">
            <h1 class="question">{q.text}</h1>
            <textarea
              name="answer"
              rows={5}
              maxLength={2000}
              value={answers[q.key] ?? ""}
              onInput={(e) => update({ answers: { ...answers, [q.key]: (e.currentTarget as HTMLTextAreaElement).value } })}
            />
          </label>
          {q.level && <p class="hint">Your answer becomes a barrier at the {LEVEL_NAME[q.level]} level.</p>}
          <div class="row">
            {step > 0 && (
              <button type="button" onClick={() => goTo(step - 1)}>
                Back
              </button>
            )}
            <button type="submit" class="primary">
              Next
            </button>
            {q.skippable && (
              <button
                type="button"
                onClick={() => update({ answers: { ...answers, [q.key]: "" }, step: after })}
                aria-label={`Skip: ${q.text}`}
              >
                Skip
              </button>
            )}
          </div>
        </form>
      </section>
    );
  }

  if (step === "done") return <ReflectionDone onFinish={() => route("/today")} />;

  const barriers = barriersFrom(answers);
  const save = async (action: Partial<ActionDraft>) => {
    const body = {
      answers: { ...answers, doing: action.title },
      barriers,
      keyActions: [{ ...(action as ActionDraft), barrierIndex: barrierIndex(draft.barrierIndex, barriers) }],
    };
    if ((await mutate(() => api.POST("/api/v1/reflections", { body }))).status !== "done") return;
    // Sent: the draft has done its job; the next reflection starts fresh.
    await (await db()).delete("cache", DRAFT_KEY);
    setDraft({ ...FRESH, step: "done" });
  };

  return (
    <section>
      <StepDots at={QUESTIONS.length} />
      <p class="sub">Reflection · last step</p>
      <h1 class="question">What are you doing about it?</h1>
      <ErrorNote error={error} fields={ACTION_FIELDS} />
      <ActionForm formName="reflection" submitLabel="Save reflection and key action" onSubmit={save} error={error} busy={busy}>
        {barriers.length > 0 && (
          <label class="field">
            <span class="label">Which barrier does it work on?</span>
            <select
              value={String(barrierIndex(draft.barrierIndex, barriers) ?? -1)}
              onChange={(e) => {
                const index = Number((e.currentTarget as HTMLSelectElement).value);
                update({ barrierIndex: index >= 0 ? index : null });
              }}
            >
              <option value="-1">None in particular</option>
              {barriers.map((b, i) => (
                <option value={String(i)} key={i}>
                  {LEVEL_NAME[b.level]}: {b.title}
                </option>
              ))}
            </select>
          </label>
        )}
      </ActionForm>
      <button type="button" onClick={() => update({ step: QUESTIONS.length - 1 })}>
        Back
      </button>
    </section>
  );
}
