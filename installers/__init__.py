"""Deployment: the frozen app, the packages, and the files generated from the settings table."""
