from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT, HTTP_304_NOT_MODIFIED

from followthrough.calendarfeed import schemas
from followthrough.calendarfeed.models import CalendarFeed
from followthrough.calendarfeed.services import CalendarFeedService, record_fetch
from followthrough.clock import Clock
from followthrough.context import RequestContext
from followthrough.database import session_scope
from followthrough.errors import ErrorBody
from followthrough.identity import Participant

# Litestar adds "; charset=utf-8" to text types.
CALENDAR_MEDIA_TYPE = "text/calendar"
# The address is a secret, so no shared cache may keep it (private). no-cache rather than a max-age: a turned
# off or replaced address must stop answering at once, and the ETag makes each revalidation a cheap 304.
CACHE_CONTROL = "private, no-cache"
FETCHED = "calendar_feed_fetched"
"""Request state: the feed whose fetch is to be noted once the answer is sent."""

NO_FEED = {
    404: ResponseSpec(
        data_container=ErrorBody, description="The participant has no calendar feed", generate_examples=False
    )
}
NOT_A_FEED = {
    404: ResponseSpec(
        data_container=ErrorBody,
        description="No feed at this address: unknown, turned off, replaced or malformed, all alike",
        generate_examples=False,
    )
}
FeedFileName = Annotated[str, Parameter(description="`<token>.ics`, as in the address made for the feed")]


def provide_calendar_feeds(context: NamedDependency[RequestContext]) -> CalendarFeedService:
    return CalendarFeedService(context)


def feed_out(feed: CalendarFeed | None) -> schemas.CalendarFeedOut:
    if feed is None:
        return schemas.CalendarFeedOut(enabled=False, hint=None, created_at=None, last_fetched_at=None)
    return schemas.CalendarFeedOut(
        enabled=True, hint=feed.token_hint, created_at=feed.created_at, last_fetched_at=feed.last_fetched_at
    )


class CalendarFeedController(Controller):
    """The signed-in participant's own feed: whether there is one, a new address, turning it off."""

    path = "/calendar-feed"
    tags = ["calendar feed"]
    dependencies = {"feeds": Provide(provide_calendar_feeds, sync_to_thread=False)}

    @get("", operation_id="getCalendarFeed")
    async def get_calendar_feed(
        self, participant: NamedDependency[Participant], feeds: NamedDependency[CalendarFeedService]
    ) -> schemas.CalendarFeedOut:
        """Whether the participant has a calendar feed, when its address was made and last read, and the
        address's last characters. Never the address itself: it is shown once, when made."""
        return feed_out(await feeds.current(participant))

    @post("", operation_id="createCalendarFeed", status_code=HTTP_201_CREATED)
    async def create_calendar_feed(
        self, participant: NamedDependency[Participant], feeds: NamedDependency[CalendarFeedService]
    ) -> schemas.CalendarFeedCreated:
        """Make the feed's secret address, replacing any earlier one, which stops working at once. This
        answer is the only one that carries the address: as https (or http) and as webcal://. Calendar apps
        subscribe to it without signing in; it lists the active key actions with their reminders."""
        made = await feeds.create(participant)
        return schemas.CalendarFeedCreated(
            hint=made.feed.token_hint,
            created_at=made.feed.created_at,
            url=made.url,
            webcal_url=made.webcal_url,
        )

    @delete("", operation_id="deleteCalendarFeed", status_code=HTTP_204_NO_CONTENT, responses=NO_FEED)
    async def delete_calendar_feed(
        self, participant: NamedDependency[Participant], feeds: NamedDependency[CalendarFeedService]
    ) -> None:
        """Turn the feed off: its address answers 404 from now on."""
        await feeds.revoke(participant)


async def note_fetch(request: Request[Any, Any, Any]) -> None:
    feed_id = request.state.get(FETCHED)
    if feed_id is None:
        return
    clock: Clock = request.app.state.clock
    async with session_scope(request.app.state.alchemy) as session:
        await record_fetch(session, feed_id, clock.now())


class CalendarFileController(Controller):
    """The feed itself, outside /api/v1: calendar apps send no token, so the address is the permission."""

    path = "/calendar"
    tags = ["calendar feed"]
    dependencies = {"feeds": Provide(provide_calendar_feeds, sync_to_thread=False)}

    @get(
        "/{file_name:str}",
        operation_id="getCalendarFeedFile",
        exclude_from_auth=True,
        media_type=CALENDAR_MEDIA_TYPE,
        after_response=note_fetch,
        responses=NOT_A_FEED,
        response_headers=[
            ResponseHeader(
                name="ETag", description="Send it back in If-None-Match for a 304", documentation_only=True
            ),
            ResponseHeader(name="Cache-Control", description=CACHE_CONTROL, documentation_only=True),
        ],
    )
    async def get_calendar_feed_file(
        self,
        request: Request[Any, Any, Any],
        file_name: FeedFileName,
        feeds: NamedDependency[CalendarFeedService],
    ) -> Response[bytes]:
        """The participant's active key actions as an iCalendar feed (RFC 5545): one event per key action, in
        the participant's time zone, repeating as its schedule does, with an alarm per reminder and the cue
        and barrier in its description. A 304 when If-None-Match holds the current ETag."""
        feed = await feeds.read(file_name)
        request.state[FETCHED] = feed.stale_fetch_record
        headers = {"ETag": feed.etag, "Cache-Control": CACHE_CONTROL}
        if feed.etag in _etags(request.headers.get("if-none-match", "")):
            return Response(
                b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers, media_type=CALENDAR_MEDIA_TYPE
            )
        headers["Content-Disposition"] = 'inline; filename="followthrough.ics"'
        return Response(feed.body, headers=headers, media_type=CALENDAR_MEDIA_TYPE)


def _etags(header: str) -> set[str]:
    # A weak validator (W/) matches too: If-None-Match uses the weak comparison (RFC 9110 13.1.2).
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}
