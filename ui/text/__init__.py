"""The app pages' own text, one file per page so that pages can be edited apart.

Importing this package registers every section in `i18n.TEXT`, the one translation table;
`i18n.register_section` refuses a key defined twice.
"""

from i18n import register_section
from ui.text import auth, chrome, common, compare, data, enterprises, lines_page, map, scores, siting, supply

for _section in (common, chrome, map, scores, enterprises, supply, siting, data, compare, lines_page, auth):
    register_section(_section.__name__, _section.TEXT)
