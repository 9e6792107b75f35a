"""Act links: answering a reminder, or a digest's encouragement, where the message arrives (one tap, no
sign-in). The worker uses the tokens and the model; the API uses `controllers`."""

from followthrough.actlinks.issuing import digest_links, latest_answers, reminder_links
from followthrough.actlinks.models import ActLink, ActPurpose
from followthrough.actlinks.tokens import act_token, act_url, link_row, store_links

__all__ = [
    "ActLink",
    "ActPurpose",
    "act_token",
    "act_url",
    "digest_links",
    "latest_answers",
    "link_row",
    "reminder_links",
    "store_links",
]
