import { ErrorBoundary, lazy, LocationProvider, Route, Router, useLocation } from "preact-iso";
import { useEffect } from "preact/hooks";
import { captureInvite } from "./invite";
import { Today } from "./screens/today";
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
const Partners = lazy(() => import("./screens/partners"));
const PartnerPreview = lazy(() => import("./screens/partners").then((m) => m.PartnerPreview));
const SupportedPerson = lazy(() => import("./screens/partners").then((m) => m.SupportedPerson));
const AcceptInvite = lazy(() => import("./screens/partners").then((m) => m.AcceptInvite));
const Notifications = lazy(() => import("./screens/notifications"));

const NAV = [
  ["/today", "Today"],
  ["/actions", "Actions"],
  ["/barriers", "Barriers"],
  ["/review", "Review"],
  ["/progress", "Progress"],
  ["/partners", "Partners"],
  // Notification settings (/settings/notifications) are reached from Account.
  ["/account", "Account"],
] as const;

function Nav() {
  const { path } = useLocation();
  return (
    <nav class="tabs" aria-label="Main">
      {NAV.map(([href, label]) => (
        <a key={href} href={href} aria-current={path.startsWith(href) || (href === "/account" && path.startsWith("/settings")) ? "page" : undefined}>
          {label}
        </a>
      ))}
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
  useEffect(() => {
    const main = document.querySelector("main");
    if (main && document.activeElement !== document.body) main.focus();
  }, [path]);
  if (session.value === undefined) return <p class="boot">Loading Followthrough…</p>;
  if (session.value === null) {
    // An invite link opened signed out: keep its token for after signing in or up (see Auth).
    captureInvite(location);
    return (
      <main id="main" tabIndex={-1}>
        <Router>
          <Route path="/" component={Auth} />
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
            <Route path="/settings/notifications" component={Notifications} />
            <Route path="/partners" component={Partners} />
            <Route path="/partners/accept" component={AcceptInvite} />
            <Route path="/partners/supporting/:id" component={SupportedPerson} />
            <Route path="/partners/:id/preview" component={PartnerPreview} />
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
