"""Headless core: config, intranet client, classification, state. No Qt here."""
