// Everything that is not a daily screen: the account, notifications, the weekly review, guided reflection
// and installing the app.
import { AccountIcon, BellIcon, Icon, type IconNode, InstallIcon, NextIcon, ReflectIcon, ReviewIcon } from "../icons";
import { reviewDue } from "../store/attention";

function MoreLink(props: { href: string; icon: IconNode; label: string; hint: string; badge?: string }) {
  return (
    <li>
      <a class="plan-item more-item" href={props.href}>
        <Icon icon={props.icon} class="lead" />
        <span class="plan-text">
          <span class="plan-title">{props.label}</span>
          <span class="sub">{props.hint}</span>
        </span>
        {props.badge && <span class="pill">{props.badge}</span>}
        <Icon icon={NextIcon} class="chevron" />
      </a>
    </li>
  );
}

export default function More() {
  return (
    <section>
      <h1>More</h1>
      <ul class="list plan-list card">
        <MoreLink href="/review" icon={ReviewIcon} label="Weekly review" hint="Look back on the week and plan the next" badge={reviewDue.value ? "Due" : undefined} />
        <MoreLink href="/reflect" icon={ReflectIcon} label="Guided reflection" hint="Find what holds you back, step by step" />
        <MoreLink href="/settings/notifications" icon={BellIcon} label="Notifications" hint="Reminders, channels and quiet hours" />
        <MoreLink href="/account" icon={AccountIcon} label="Account" hint="Name, time zone, review day, export, sign out" />
        <MoreLink href="/install" icon={InstallIcon} label="Install the app" hint="Put Followthrough on your home screen" />
      </ul>
    </section>
  );
}
