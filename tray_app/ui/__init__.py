"""Qt user interface: tray icon, menus, windows and popups."""
