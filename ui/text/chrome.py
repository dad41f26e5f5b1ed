"""Streamlit's own widget text ("chrome") in Chinese, where no parameter sets it.

Streamlit has no translation of its widgets (streamlit/streamlit#13500 asks for the file uploader's). What the
API controls is set on each widget (labels, placeholders, help, `label_visibility`); the fixed English strings
below are replaced by CSS on elements Streamlit marks with a `data-testid` or an ARIA role (no JavaScript): the
English text is shrunk to nothing and the Chinese is drawn in its place (`::after { content: … }`), at the size
Streamlit draws that text (measured on Streamlit 1.67: 14 px, instructions under inputs 12 px).

Replaced (zh only):
- file uploader: the "Upload" button, "200MB per file • ZIP, …" and, while a file is dragged over it,
  "Drag and drop files here";
- multiselect: the "Select all" option; multiselect and selectbox: "No results";
- text and number inputs: "Press Enter to apply" / "Press Enter to submit form".

Not replaced (no stable hook, or not visible text): the dataframe toolbar's and column menu's tooltips and items
(Download as CSV, Search, Fullscreen, Sort ascending …), the app's main menu and "Running…" status (hidden by
`client.toolbarMode`, not by the pages), ARIA labels read only by screen readers ("Open", "Help for …", "file
upload"), the uploaded file's size units (KB/MB) and the browser's own file dialog (in the system's language).
"""

TEXT: dict[str, dict[str, str]] = {
    "chrome_upload_button": {"zh": "选择文件", "en": "Upload"},
    "chrome_upload_limit": {"zh": "单个文件不超过 {mb} MB · {types}", "en": "{mb}MB per file • {types}"},
    "chrome_upload_drop": {"zh": "将文件拖放到此处", "en": "Drag and drop files here"},
    "chrome_select_all": {"zh": "全选", "en": "Select all"},
    "chrome_no_results": {"zh": "无匹配项", "en": "No results"},
    "chrome_enter_apply": {"zh": "按回车键确认", "en": "Press Enter to apply"},
    "chrome_enter_submit": {"zh": "按回车键提交", "en": "Press Enter to submit form"},
}

_BODY = 14  # px: Streamlit's text size in widgets (theme fontSizes.sm)
_SMALL = 12  # px: the instructions under an input (fontSizes.twoSm)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _replace(selector: str, text: str, size: int) -> str:
    """CSS drawing `text` instead of the text of the elements `selector` picks."""
    return (f"{selector} {{ font-size: 0 !important; }}\n"
            f"{selector}::after {{ content: {_quoted(text)}; font-size: {size}px; }}\n")


def chrome_css(lang: str, *, upload_mb: int | None = None, upload_types: tuple[str, ...] = ()) -> str:
    """A <style> block replacing Streamlit's fixed widget text with Chinese ("" for any other language).

    `upload_mb` and `upload_types` (extensions without the dot) word the file uploader's limit line as the
    page's uploader has it; without them the line is left as Streamlit writes it."""
    from i18n import t

    if lang != "zh":
        return ""
    dropzone = '[data-testid="stFileUploaderDropzone"]'
    rules = [
        _replace(f'{dropzone} button [data-testid="stMarkdownContainer"] p', t("chrome_upload_button", lang), _BODY),
        _replace(f"{dropzone} > input + div:not([data-testid]) *:not(:has(*))", t("chrome_upload_drop", lang), _BODY),
        _replace('[data-testid="stMultiSelectDropdown"] [data-key="__select_all__"] > div', t("chrome_select_all", lang),
                 _BODY),
        _replace('[role="listbox"][data-empty="true"] > [role="option"] > span', t("chrome_no_results", lang), _BODY),
        _replace('[data-testid="InputInstructions"] > span:first-child', t("chrome_enter_apply", lang), _SMALL),
        _replace('[data-testid="stForm"] [data-testid="InputInstructions"] > span:first-child',
                 t("chrome_enter_submit", lang), _SMALL),
    ]
    if upload_mb is not None:
        types = "、".join(s.upper() for s in upload_types)
        rules.append(_replace('[data-testid="stFileUploaderDropzoneInstructions"] span',
                              t("chrome_upload_limit", lang).format(mb=upload_mb, types=types), _BODY))
    return "<style>\n" + "".join(rules) + "</style>"


def show_chrome_css(css: str) -> None:
    """Put a `chrome_css` block on the page, in a container of its own.

    Streamlit's browser loads a widget's code when it first draws one. It draws the elements of one container in
    order: the ones after an element whose code is still loading are drawn only once that code has arrived. As the
    page's first element, the style block (code of st.html) held back the search box and the map by one round of
    requests on a first visit. Inside its own container, it holds back nothing."""
    import streamlit as st  # noqa: PLC0415

    if css:
        with st.container():
            st.html(css)
