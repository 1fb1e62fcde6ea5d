"""Intranet Companion: tells employees when their intranet integrations break."""

__version__ = "0.1.0"
APP_NAME = "Intranet Companion"
APP_ID = "intranet-companion"
