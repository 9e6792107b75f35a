// The guided reflection: the five questions one per screen, then "What are you doing about it?".
// Answers to 1–3 become barriers at their level; the last step becomes a key action.
import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import { ErrorNote } from "../ui";
import { ActionForm, type ActionDraft } from "./action-form";

type AnswerKey = "industry" | "organization" | "personal" | "organizationFree" | "personalFree";
const QUESTIONS: { key: AnswerKey; text: string; level?: Schemas["BarrierLevel"] }[] = [
  { key: "industry", text: "What is holding back your industry or field?", level: "industry" },
  { key: "organization", text: "What is holding back your organization?", level: "organization" },
  { key: "personal", text: "What is holding you back?", level: "personal" },
  { key: "organizationFree", text: "What is needed to set your organization free?" },
  { key: "personalFree", text: "What is needed to set you free?" },
];

/** A barrier's title from an answer: its first line, cut to the API's 200 characters. */
export function barrierTitle(answer: string): string {
  const line = answer.trim().split("\n")[0].trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

export default function Reflect() {
  const [step, setStep] = useState(0);
  const [answers, setAnswers] = useState<Partial<Record<AnswerKey, string>>>({});
  const [barrierIndex, setBarrierIndex] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const { route } = useLocation();

  const barriers: Schemas["BarrierCreate"][] = QUESTIONS.filter((q) => q.level && answers[q.key]?.trim()).map((q) => ({
    title: barrierTitle(answers[q.key]!),
    detail: answers[q.key]!.trim().includes("\n") ? answers[q.key]!.trim() : null,
    level: q.level!,
  }));

  if (step < QUESTIONS.length) {
    const q = QUESTIONS[step];
    const next = (event: Event) => {
      event.preventDefault();
      const value = String(new FormData(event.currentTarget as HTMLFormElement).get("answer") ?? "");
      setAnswers({ ...answers, [q.key]: value });
      setStep(step + 1);
    };
    return (
      <section>
        <p class="sub">
          Reflection · question {step + 1} of {QUESTIONS.length}
        </p>
        <form onSubmit={next} class="stack" key={q.key}>
          <label class="field">
            <h1 class="question">{q.text}</h1>
            <textarea name="answer" rows={5} maxLength={2000} defaultValue={answers[q.key] ?? ""} />
          </label>
          {q.level && <p class="hint">Your answer becomes a barrier at the {q.level} level. Leave it empty to skip.</p>}
          <div class="row">
            {step > 0 && (
              <button type="button" onClick={() => setStep(step - 1)}>
                Back
              </button>
            )}
            <button type="submit" class="primary">
              Next
            </button>
          </div>
        </form>
      </section>
    );
  }

  const save = async (draft: ActionDraft) => {
    setBusy(true);
    setError(null);
    try {
      await unwrap(
        api.POST("/api/v1/reflections", {
          body: {
            answers: { ...answers, doing: draft.title },
            barriers,
            keyActions: [{ ...draft, barrierIndex }],
          },
        }),
      );
      route("/today");
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <p class="sub">Reflection · last step</p>
      <h1 class="question">What are you doing about it?</h1>
      <ErrorNote error={error} />
      <ActionForm submitLabel="Save reflection and key action" onSubmit={save} error={error} busy={busy}>
        {barriers.length > 0 && (
          <label class="field">
            <span class="label">Which barrier does it work on?</span>
            <select onChange={(e) => setBarrierIndex(Number((e.currentTarget as HTMLSelectElement).value) >= 0 ? Number((e.currentTarget as HTMLSelectElement).value) : null)}>
              <option value="-1">None in particular</option>
              {barriers.map((b, i) => (
                <option value={i} key={i}>
                  {b.level}: {b.title}
                </option>
              ))}
            </select>
          </label>
        )}
      </ActionForm>
      <button type="button" onClick={() => setStep(QUESTIONS.length - 1)}>
        Back
      </button>
    </section>
  );
}
