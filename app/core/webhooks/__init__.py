"""Webhooks: signing, safe targets, retry timing and the events sent."""
