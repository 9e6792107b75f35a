"""Accountability partners: invites, partnerships and their scope, the partner view and encouragement."""
