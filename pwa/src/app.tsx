import { ErrorBoundary, lazy, LocationProvider, Route, Router, useLocation } from "preact-iso";
import { useEffect } from "preact/hooks";
import { Icon, type IconNode, MoreIcon, PartnersIcon, PlanIcon, ProgressIcon, TodayIcon } from "./icons";
import { captureInvite } from "./invite";
import { Today } from "./screens/today";
import { markEncouragementSeen, newEncouragement, reviewDue, watchAttention } from "./store/attention";
import { bridge, dismiss, notice, online, outbox, rejected, session } from "./store/state";

const Auth = lazy(() => import("./screens/auth"));
const Reflect = lazy(() => import("./screens/reflect"));
const Barriers = lazy(() => import("./screens/barriers"));
const BarrierDetail = lazy(() => import("./screens/barriers").then((m) => m.BarrierDetail));
const Actions = lazy(() => import("./screens/actions"));
const ActionDetail = lazy(() => import("./screens/actions").then((m) => m.ActionDetail));
const NewAction = lazy(() => import("./screens/actions").then((m) => m.NewAction));
const Review = lazy(() => import("./screens/review"));
const Progress = lazy(() => import("./screens/progress"));
const Account = lazy(() => import("./screens/account"));
const SignInMethods = lazy(() => import("./screens/sign-in-methods"));
const Import = lazy(() => import("./screens/import"));
const Partners = lazy(() => import("./screens/partners"));
const PartnerPreview = lazy(() => import("./screens/partners").then((m) => m.PartnerPreview));
const SupportedPerson = lazy(() => import("./screens/partners").then((m) => m.SupportedPerson));
const AcceptInvite = lazy(() => import("./screens/partners").then((m) => m.AcceptInvite));
const Notifications = lazy(() => import("./screens/notifications"));
const Plan = lazy(() => import("./screens/plan"));
const More = lazy(() => import("./screens/more"));
const Install = lazy(() => import("./screens/install"));
// A reminder's link: answered signed in or out (its token is the permission).
const Act = lazy(() => import("./screens/act"));

interface Tab {
  href: string;
  label: string;
  icon: IconNode;
  /** Other paths whose screens belong under this tab. */
  also: string[];
  /** Words after the label for those who hear the link rather than see it. */
  spoken?: string;
}

const TABS: Tab[] = [
  { href: "/today", label: "Today", icon: TodayIcon, also: [] },
  { href: "/progress", label: "Progress", icon: ProgressIcon, also: [] },
  { href: "/plan", label: "Plan", icon: PlanIcon, also: ["/actions", "/barriers"] },
  { href: "/partners", label: "Partners", icon: PartnersIcon, also: [] },
    {
    href: "/more",
    label: "More",
    icon: MoreIcon,
    also: ["/account", "/settings", "/review", "/reflect", "/install"],
    // "More" alone does not say where a link leads.
    spoken: " settings and tools",
  },
];

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** What waits under a tab, in words for the link's name ("Partners, 2 new") and as a badge for the eye. */
function waiting(href: string): { words: string; badge: "count" | "dot" } | null {
  if (href === "/partners" && newEncouragement.value > 0) return { words: `${newEncouragement.value} new`, badge: "count" };
  if (href === "/more" && reviewDue.value) return { words: "weekly review due", badge: "dot" };
  return null;
}

function Nav() {
  const { path } = useLocation();
  return (
    <nav class="tabs" aria-label="Main">
      {TABS.map((tab) => {
        const news = waiting(tab.href);
        return (
          <a
            key={tab.href}
            href={tab.href}
            aria-current={[tab.href, ...tab.also].some((p) => under(path, p)) ? "page" : undefined}
          >
            <span class="tab-icon">
              <Icon icon={tab.icon} />
            </span>
            <span class="tab-label">{tab.label}</span>
            {tab.spoken && <span class="sr-only">{tab.spoken}</span>}
            {/* The name reads "Partners, 2 new": the visible label first, as speech input expects. */}
            {news && <span class="sr-only">, {news.words}</span>}
            {news?.badge === "count" && (
              <span class="tab-badge" aria-hidden="true">
                {newEncouragement.value > 9 ? "9+" : newEncouragement.value}
              </span>
            )}
            {news?.badge === "dot" && <span class="tab-dot" aria-hidden="true" />}
          </a>
        );
      })}
    </nav>
  );
}

function Status() {
  const update = bridge.value?.updateReady.value;
  return (
    <div class="status" aria-live="polite">
      {!online.value && <p class="banner offline">You are offline. Check-ins are kept and sent when you are back.</p>}
      {outbox.value.length > 0 && (
        <p class="badge" data-testid="pending-sync">
          {outbox.value.length} pending sync
        </p>
      )}
      {rejected.value.map((r) => (
        <div class="banner problem" role="alert" key={r.seq}>
          <p>
            Not saved: {r.entry.label}. The server said: {r.message}
          </p>
          <button type="button" onClick={() => dismiss(r.seq!)}>
            Dismiss
          </button>
        </div>
      ))}
      {notice.value && (
        <p class="banner">
          {notice.value}{" "}
          <button type="button" class="link" onClick={() => (notice.value = null)}>
            OK
          </button>
        </p>
      )}
      {update && (
        <p class="banner">
          Update available.{" "}
          <button type="button" onClick={update}>
            Reload
          </button>
        </p>
      )}
    </div>
  );
}

function Home() {
  const { route } = useLocation();
  useEffect(() => route("/today", true), []);
  return null;
}

function Shell() {
  const { path } = useLocation();
  const signedIn = Boolean(session.value);
  useEffect(() => {
    const main = document.querySelector("main");
    if (main && document.activeElement !== document.body) main.focus();
  }, [path]);
  useEffect(() => {
    if (signedIn) watchAttention();
  }, [signedIn]);
  // Opening Partners shows the encouragement, so it is no longer new.
  useEffect(() => {
    if (signedIn && under(path, "/partners")) markEncouragementSeen();
  }, [path, signedIn]);
  if (session.value === undefined) return <p class="boot">Loading Followthrough…</p>;
  if (session.value === null) {
    // An invite link opened signed out: keep its token for after signing in or up (see Auth).
    captureInvite(location);
    return (
      <main id="main" tabIndex={-1}>
        <Router>
          <Route path="/" component={Auth} />
          <Route path="/act/:token" component={Act} />
          <Route default component={Auth} />
        </Router>
      </main>
    );
  }
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Followthrough</span>
        <Status />
      </header>
      <main id="main" tabIndex={-1}>
        <ErrorBoundary>
          <Router>
            <Route path="/" component={Home} />
            <Route path="/today" component={Today} />
            <Route path="/reflect" component={Reflect} />
            <Route path="/barriers" component={Barriers} />
            <Route path="/barriers/:id" component={BarrierDetail} />
            <Route path="/actions" component={Actions} />
            <Route path="/actions/new" component={NewAction} />
            <Route path="/actions/:id" component={ActionDetail} />
            <Route path="/review" component={Review} />
            <Route path="/progress" component={Progress} />
            <Route path="/account" component={Account} />
            <Route path="/account/import" component={Import} />
            <Route path="/settings/notifications" component={Notifications} />
            <Route path="/settings/sign-in" component={SignInMethods} />
            <Route path="/partners" component={Partners} />
            <Route path="/partners/accept" component={AcceptInvite} />
            <Route path="/partners/supporting/:id" component={SupportedPerson} />
            <Route path="/partners/:id/preview" component={PartnerPreview} />
            <Route path="/plan" component={Plan} />
            <Route path="/more" component={More} />
            <Route path="/install" component={Install} />
            <Route path="/act/:token" component={Act} />
            <Route default component={NotFound} />
          </Router>
        </ErrorBoundary>
      </main>
      <Nav />
    </>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        <a href="/today">Go to Today</a>
      </p>
    </section>
  );
}

export function App() {
  return (
    <LocationProvider>
      <Shell />
    </LocationProvider>
  );
}
