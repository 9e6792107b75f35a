// Icons from one set (Lucide), drawn as inline SVG. Each icon is its own named export, so the bundler keeps
// only the icons used and a lazy screen's icons travel in that screen's chunk. Icons are decoration next to
// words, so they are hidden from assistive technology; the text beside them carries the meaning.
import type { IconNode } from "lucide";

// Named by what they mean in Followthrough, so screens do not pick glyphs of their own.
export {
  CalendarCheck as TodayIcon,
  ChartNoAxesColumn as ProgressIcon,
  ClipboardList as PlanIcon,
  Users as PartnersIcon,
  Ellipsis as MoreIcon,
  CircleUserRound as AccountIcon,
  CalendarSync as ReviewIcon,
  Sparkles as ReflectIcon,
  CircleCheck as DoneIcon,
  CircleDashed as PartlyIcon,
  CircleX as NotDoneIcon,
  SkipForward as SkippedIcon,
  ClockAlert as OverdueIcon,
  AlarmClockMinus as SnoozedIcon,
  MessageCircleHeart as EncouragementIcon,
  Download as InstallIcon,
  Bell as BellIcon,
  TriangleAlert as WarningIcon,
  Plus as AddIcon,
  ChevronRight as NextIcon,
  Share as ShareIcon, // the Safari share button: a square with an arrow up
  SquarePlus as AddToHomeScreenIcon,
} from "lucide";
export type { IconNode };

/** One icon as inline SVG, sized by CSS (1.25em unless a class says otherwise), drawn in the text colour. */
export function Icon({ icon, class: className }: { icon: IconNode; class?: string }) {
  return (
    <svg
      class={className ? `icon ${className}` : "icon"}
      aria-hidden="true"
      focusable="false"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
    >
      {icon.map(([tag, attrs], i) => {
        const Tag = tag as "path";
        return <Tag key={i} {...(attrs as Record<string, string>)} />;
      })}
    </svg>
  );
}
