"""Deliveries: finding what is due (scheduler steps), sending it once (dispatcher), and the worker loop."""
