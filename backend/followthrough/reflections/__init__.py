"""Guided reflections: the five questions, answered on a day, turned into barriers and key actions."""

from followthrough.reflections.models import Reflection
from followthrough.reflections.services import ReflectionService

__all__ = ["Reflection", "ReflectionService"]
