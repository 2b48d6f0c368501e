"""The ground floor: settings, the domain's words, items, text, URLs, dates and matching.

Imports nothing of the project above it (contracts in `make test`)."""
