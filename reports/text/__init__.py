"""The exports' own text, one module per format; each registers its section in `i18n.TEXT` (the one
translation table) when its format module imports it."""
