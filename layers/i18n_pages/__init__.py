"""Sections of the one translation table, one file per app page so that pages can be edited apart.

`layers.i18n` merges them into `TEXT` and refuses a key defined twice.
"""
