"""Accountability partners: invites, partnerships and their scope, the partner view and encouragement, and
the partner notifications' detection steps (`STEPS`: the weekly digest, a missed check-in)."""

from followthrough.partners.detection import STEPS, digest_step, missed_step
from followthrough.partners.encouragement import ONE_TAP_MESSAGES, EncouragementService
from followthrough.partners.invites import InviteService
from followthrough.partners.models import Encouragement, Invite, Partnership
from followthrough.partners.services import PartnershipService

__all__ = [
    "ONE_TAP_MESSAGES",
    "STEPS",
    "Encouragement",
    "EncouragementService",
    "Invite",
    "InviteService",
    "Partnership",
    "PartnershipService",
    "digest_step",
    "missed_step",
]
