"""Channels (Apprise URLs and Web Push subscriptions), the wording of every message, and sending one."""
