"""UI text of the app's map page (merged into `layers.i18n.TEXT`, the one translation table)."""

TEXT: dict[str, dict[str, str]] = {
}
