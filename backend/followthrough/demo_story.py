"""The demo participant's story: what Sam Rivera reflected on, the barriers and key actions that followed,
and the words of their notes and weekly reviews. Data only; `followthrough.demo` writes it."""

from __future__ import annotations

from dataclasses import dataclass

from followthrough.enums import BarrierLevel, BarrierStatus, CheckInResult

DEFAULT_PASSWORD = "followthrough-demo"

REFLECTION = {
    "industry": "Learning is treated as a cost to cut, not as the way the work gets better.",
    "organization": "Nobody owns onboarding, so every new person learns by guessing.",
    "personal": "I wait for permission before I try anything new.",
    "organization_free": "One owner for onboarding and a small budget line for learning.",
    "personal_free": "Trying small things first and telling people afterwards.",
    "doing": "A weekly learning block, a note a day of what I tried, and a proposal to operations.",
}


@dataclass(frozen=True)
class BarrierPlan:
    title: str
    level: BarrierLevel
    detail: str | None = None
    key_holder_name: str | None = None
    day: int = 0
    history: tuple[tuple[int, BarrierStatus, str], ...] = ()


BARRIERS = [
    BarrierPlan(
        "Learning is seen as a cost, not an investment",
        BarrierLevel.INDUSTRY,
        "Budgets for training are the first thing cut in every downturn.",
        "Finance directors",
    ),
    BarrierPlan(
        "Nobody owns onboarding new team members",
        BarrierLevel.ORGANIZATION,
        key_holder_name="Head of Operations",
        history=((120, BarrierStatus.LOOSENING, "Priya agreed to co-own it with me"),),
    ),
    BarrierPlan(
        "I wait for permission before trying new ideas",
        BarrierLevel.PERSONAL,
        history=(
            (90, BarrierStatus.LOOSENING, "Tried three small things without asking"),
            (250, BarrierStatus.BROKEN, "Ran two pilots on my own; nobody minded, both stuck"),
        ),
    ),
    BarrierPlan(
        "My calendar is full of meetings I do not need",
        BarrierLevel.PERSONAL,
        day=40,
        history=((200, BarrierStatus.LOOSENING, "Declined four recurring meetings"),),
    ),
]


@dataclass(frozen=True)
class ActionPlan:
    title: str
    rrule: str | None
    at: tuple[int, int]
    """Local hour and minute of each occurrence."""
    day: int = 1
    cue: str | None = None
    barrier: int | None = None
    key_holder_name: str | None = None
    own_part: str | None = None
    measure_unit: str | None = None
    measure_target: float | None = None
    reminders: tuple[int, ...] = (15,)
    shared: bool = False
    paused: tuple[int, str] | None = None


KEY_ACTIONS = [
    ActionPlan(
        "Block two hours of focus time for learning",
        "FREQ=WEEKLY;BYDAY=TH",
        (14, 0),
        day=2,
        cue="When I plan my week on Monday",
        barrier=3,
        shared=True,
    ),
    ActionPlan(
        "Write down one thing I tried without asking",
        "FREQ=DAILY",
        (17, 30),
        barrier=2,
        cue="When I close my laptop",
        reminders=(0,),
    ),
    ActionPlan(
        "Send the onboarding proposal to the Head of Operations",
        None,
        (10, 0),
        day=60,
        barrier=1,
        reminders=(60, 1440),
        shared=True,
    ),
    ActionPlan(
        "Get a training budget line approved",
        "FREQ=WEEKLY;BYDAY=MO",
        (9, 30),
        day=14,
        barrier=0,
        key_holder_name="Finance director",
        own_part="Write a one-page case with the numbers and book twenty minutes with her",
    ),
    ActionPlan(
        "Automate one manual reporting step",
        "FREQ=WEEKLY;BYDAY=FR",
        (11, 0),
        day=30,
        measure_unit="hours saved per week",
        measure_target=5,
        shared=True,
    ),
    ActionPlan(
        "Run a lunch-and-learn for the team",
        "FREQ=MONTHLY;BYDAY=1WE",
        (12, 30),
        day=20,
        barrier=1,
        paused=(240, "On hold until the new office opens; there is no room to meet"),
    ),
]

EXTRA_ACTIONS = [
    ActionPlan(title, rule, (8 + index % 9, 5 * index % 60), barrier=index % 4)
    for index, (title, rule) in enumerate(
        [
            ("Read one industry article and share a takeaway", "FREQ=WEEKLY;BYDAY=TU,TH"),
            ("Pair with a junior colleague for thirty minutes", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
            ("Review one process with fresh eyes", "FREQ=WEEKLY;BYDAY=WE"),
            ("Ask one customer what slows them down", "FREQ=WEEKLY;BYDAY=TU,TH"),
            ("Practise the presentation out loud", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
            ("Clear the decision log", "FREQ=WEEKLY;BYDAY=FR"),
            ("Walk at lunch instead of eating at my desk", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        ]
    )
]

NOTES = {
    CheckInResult.DONE: [
        "Went well.",
        "Easier than I expected.",
        "Did it first thing, which helped.",
        "Shared it with the team afterwards.",
        "Felt good to get it done.",
    ],
    CheckInResult.PARTLY: [
        "Half of it; a meeting ran over.",
        "Started, will finish tomorrow.",
        "Did the short version.",
    ],
    CheckInResult.NOT_DONE: ["Firefighting all day.", "Forgot until the evening.", "Off sick."],
    CheckInResult.SKIPPED: ["On leave.", "Bank holiday.", "Conference all week."],
}

REVIEWS = [
    (
        "Kept the focus block both weeks.",
        "Month-end reporting ate Thursday.",
        "Move the block to the morning.",
    ),
    ("Priya read the onboarding proposal.", "Waiting on her answer.", "Follow up on Tuesday."),
    (
        "Automated the weekly export.",
        "Access to the finance share took days.",
        "Ask IT for a service account.",
    ),
    ("Tried a new stand-up format without asking.", "Two people were sceptical.", "Ask them what to keep."),
    ("Not much; it was a heavy week.", "Too many meetings.", "Decline the ones without an agenda."),
    ("Budget case is written.", "The finance director is away.", "Book the twenty minutes for her return."),
]
