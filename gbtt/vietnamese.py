"""Vietnamese text for what cannot show or type its diacritics."""
from __future__ import annotations

import unicodedata


def unaccented(text: str) -> str:
    """Without its diacritics (đ -> d): 'Sở Thông tin' -> 'So Thong tin'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))
