"""Telling the ORM leads: the weekly digest, instant high-risk alerts, and the email outbox."""
