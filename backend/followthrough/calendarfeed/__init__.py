"""The calendar feed: a secret, revocable address that calendar apps subscribe to, listing the participant's
active key actions as repeating events. The app uses `controllers`; `ics` builds the content."""

from followthrough.calendarfeed.models import CalendarFeed

__all__ = ["CalendarFeed"]
