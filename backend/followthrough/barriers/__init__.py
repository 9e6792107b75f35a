"""Barriers: what holds a participant back, at which level, who holds its key, and its status history."""

from followthrough.barriers.models import Barrier, BarrierStatusChange
from followthrough.barriers.schemas import BarrierCreate, BarrierOut, BarrierStatusChangeOut
from followthrough.barriers.services import BarrierService, barrier_out, require_key_holder, status_change_out

__all__ = [
    "Barrier",
    "BarrierCreate",
    "BarrierOut",
    "BarrierService",
    "BarrierStatusChange",
    "BarrierStatusChangeOut",
    "barrier_out",
    "require_key_holder",
    "status_change_out",
]
