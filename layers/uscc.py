"""统一社会信用代码 (unified social credit code, GB 32100-2015) check.

An 18-character code: 17 payload characters and a check character computed mod 31
over the charset below with weights 3^i mod 31. Bureau tables often carry typos and
pre-2015 15-digit registration numbers, so the reason for a failure is reported.
"""

from __future__ import annotations

import unicodedata

from spatial.errors import UsageError

# GB 32100-2015 code charset: digits and upper-case letters without I, O, S, V, Z.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
USCC_LENGTH = 18


def clean_uscc(code: object) -> str:
    """Return `code` as text with full-width characters folded, spaces removed and letters upper-cased."""
    if code is None:
        return ""
    text = unicodedata.normalize("NFKC", str(code))
    return "".join(text.split()).upper()


def uscc_check_char(code17: str) -> str:
    """Return the check character for the first 17 characters of a USCC.

    Raises ValueError when `code17` is not 17 characters of the USCC charset.
    """
    if len(code17) != 17:
        raise UsageError(f"a USCC payload has 17 characters, got {len(code17)}: {code17!r}")
    bad = [c for c in code17 if c not in _VALUE]
    if bad:
        raise UsageError(f"character(s) {''.join(bad)!r} not allowed in a USCC: {code17!r}")
    total = sum(_VALUE[c] * w for c, w in zip(code17, _WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: object, lang: str = "en") -> str | None:
    """Return None for a valid USCC, else a sentence saying what is wrong with it (in Chinese for lang="zh").

    The code is checked exactly as given (no case folding): callers that want lenient
    reading pass `clean_uscc(code)`.
    """
    zh = lang == "zh"
    if code is None or (isinstance(code, float) and code != code):
        return "未填写代码" if zh else "no code given"
    if not isinstance(code, str):
        if zh:
            return f"{code!r} 是{type(code).__name__}类型而非文本（表格软件可能把代码转成了数字）"
        return f"{code!r} is a {type(code).__name__}, not text (a spreadsheet may have turned the code into a number)"
    if len(code) != USCC_LENGTH:
        old_number = len(code) == 15 and code.isdigit()
        if zh:
            tail = "（15 位数字为 2015 年前的注册号）" if old_number else ""
            return f"{code!r} 有 {len(code)} 位，统一社会信用代码为 18 位{tail}"
        hint = " (a 15-digit code is a pre-2015 registration number)" if old_number else ""
        return f"{code!r} has {len(code)} characters, a USCC has 18{hint}"
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        listed = " ".join(repr(c) for c in bad)
        if zh:
            return f"{code!r} 含统一社会信用代码不允许的字符 {listed}（不用 I、O、S、V、Z，不用小写字母）"
        return f"{code!r} contains character(s) {listed} not allowed in a USCC (no I, O, S, V, Z, no lower case)"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        if zh:
            return f"{code!r} 未通过 GB 32100 校验：校验码应为 {expected!r}，而不是 {code[17]!r}"
        return f"{code!r} fails the GB 32100 check: the check character should be {expected!r}, not {code[17]!r}"
    return None


def is_valid_uscc(code: object) -> bool:
    """True when `code` is an 18-character USCC with a correct GB 32100 check character."""
    return uscc_problem(code) is None
