"""Reading raw files: encodings, unusable files and JSON sidecars (digest_converter.reading)."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from digest_converter import reading
from digest_converter.reading import (
    RawFileError,
    Sidecar,
    decode_bytes,
    read_raw_text,
    read_sidecar,
)

ENGLISH_BODY = (
    "A delegation from Harbin arrived in Yekaterinburg, Russia, on Monday for talks on trade, "
    "education and tourism between the two sister cities.\n"
    "Both sides agreed to expand student exchanges and to open a joint trade office next year.\n"
)
# Characters Windows-1252 can encode but Latin-1 / ASCII text would not carry the same way:
# curly quotes and an em dash (0x91-0x97), plus accented Latin letters.
CP1252_TEXT = (
    "Harbin, March 3 \u2014 The mayor of Li\u00e8ge said the city\u2019s "
    "\u201csister-city\u201d ties with Harbin were never stronger.\n"
    "The delegation then flew to S\u00e3o Paulo, where a caf\u00e9 owner welcomed them.\n"
)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------- encodings


def test_utf8_is_read_and_line_endings_normalised(tmp_path: Path) -> None:
    text = "Harbin meets Yekaterinburg \u2014 \u201cfriends\u201d\r\nSecond line\rThird line\n"
    path = write(tmp_path, "a.txt", text.encode("utf-8"))
    decoded, encoding = read_raw_text(path)
    assert encoding == "utf-8"
    assert decoded == "Harbin meets Yekaterinburg \u2014 \u201cfriends\u201d\nSecond line\nThird line\n"


def test_utf8_with_bom_drops_the_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", codecs.BOM_UTF8 + ENGLISH_BODY.encode("utf-8"))
    decoded, encoding = read_raw_text(path)
    assert encoding == "utf-8-sig"
    assert decoded == ENGLISH_BODY
    assert not decoded.startswith("\ufeff")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_with_bom(tmp_path: Path, codec: str) -> None:
    text = "Li\u00e8ge and Harbin sign a friendship agreement.\n" + ENGLISH_BODY
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path = write(tmp_path, "a.txt", data)
    decoded, encoding = read_raw_text(path)
    assert encoding == "utf-16"
    assert decoded == text
    assert "\x00" not in decoded


def test_gb18030_chinese_header_with_english_body(tmp_path: Path) -> None:
    # "Harbin Municipal People's Government Foreign Affairs Office", then English.
    header = "\u54c8\u5c14\u6ee8\u5e02\u4eba\u6c11\u653f\u5e9c\u5916\u4e8b\u529e\u516c\u5ba4"
    text = header + "\n" + ENGLISH_BODY * 3
    path = write(tmp_path, "a.txt", text.encode("gb18030"))
    decoded, encoding = read_raw_text(path)
    assert encoding == "gb18030"
    assert decoded == text


def test_html_declared_gb2312_is_decoded_as_gb18030(tmp_path: Path) -> None:
    # "\u9555" is outside GB2312 but in GB18030: sites mislabel such pages "gb2312".
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "<title>\u54c8\u5c14\u6ee8 \u9555</title></head><body><p>" + ENGLISH_BODY + "</p></body></html>"
    )
    path = write(tmp_path, "a.html", html.encode("gb18030"))
    decoded, encoding = read_raw_text(path)
    assert encoding == "gb18030"
    assert decoded == html


def test_windows_1252_curly_quotes_survive(tmp_path: Path) -> None:
    text = (
        "The mayor said the city\u2019s \u201csister-city\u201d ties with Harbin were strong "
        "\u2014 a caf\u00e9 in Yekaterinburg hosted the talks.\n"
    ) * 2
    path = write(tmp_path, "a.txt", text.encode("cp1252"))
    decoded, _encoding = read_raw_text(path)
    assert decoded == text


def test_windows_1252_accented_letters_decode_correctly(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", CP1252_TEXT.encode("cp1252"))
    decoded, _encoding = read_raw_text(path)
    assert "Li\u00e8ge" in decoded
    assert "S\u00e3o Paulo" in decoded
    assert decoded == CP1252_TEXT


def test_decode_bytes_utf8_is_preferred() -> None:
    text, encoding = decode_bytes("S\u00e3o Paulo \u2014 Li\u00e8ge".encode())
    assert (text, encoding) == ("S\u00e3o Paulo \u2014 Li\u00e8ge", "utf-8")


# ---------------------------------------------------------------------- unusable files


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", b"")
    with pytest.raises(RawFileError, match="empty file"):
        read_raw_text(path)


@pytest.mark.parametrize("data", [b"   \n\n\t  \r\n", "\u3000\n \n".encode()])
def test_whitespace_only_is_rejected(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "a.txt", data)
    with pytest.raises(RawFileError, match="only whitespace"):
        read_raw_text(path)


def test_binary_with_nul_bytes_is_rejected(tmp_path: Path) -> None:
    data = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4
    path = write(tmp_path, "a.txt", data)
    with pytest.raises(RawFileError, match="binary"):
        read_raw_text(path)


def test_binary_rejected_by_decode_bytes_directly() -> None:
    with pytest.raises(RawFileError, match="NUL bytes"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\xff\xd8\xff" * 20)


def test_too_large_file_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_RAW_BYTES", 100)
    path = write(tmp_path, "a.txt", ENGLISH_BODY.encode())
    assert path.stat().st_size > 100
    with pytest.raises(RawFileError, match="too large"):
        read_raw_text(path)
    small = write(tmp_path, "b.txt", b"Harbin greets Yekaterinburg.\n")
    assert read_raw_text(small)[0] == "Harbin greets Yekaterinburg.\n"


def test_raw_file_error_is_a_value_error() -> None:
    assert issubclass(RawFileError, ValueError)


# ---------------------------------------------------------------------- sidecars


def test_missing_sidecar(tmp_path: Path) -> None:
    assert read_sidecar(tmp_path / "nothing.json") == (None, [])


def test_valid_sidecar(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps({
        "url": "https://example.org/harbin.html",
        "date": " 2024-08-30 ",
        "title": "Harbin and Yekaterinburg sign trade pact",
        "source": "Xinhua",
        "extra": "ignored",
    }), encoding="utf-8")
    sidecar, warnings = read_sidecar(path)
    assert warnings == []
    assert sidecar == Sidecar(
        url="https://example.org/harbin.html",
        date="2024-08-30",
        title="Harbin and Yekaterinburg sign trade pact",
        source="Xinhua",
    )


def test_sidecar_with_some_keys(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"date": "2024-08-30"}', encoding="utf-8")
    sidecar, warnings = read_sidecar(path)
    assert warnings == []
    assert sidecar == Sidecar(date="2024-08-30")


def test_sidecar_not_json(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text("url = https://example.org\n{not json", encoding="utf-8")
    sidecar, warnings = read_sidecar(path)
    assert sidecar is None
    assert len(warnings) == 1
    assert "a.json" in warnings[0]
    assert "not valid JSON" in warnings[0]


def test_sidecar_json_list(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('[{"url": "https://example.org"}]', encoding="utf-8")
    sidecar, warnings = read_sidecar(path)
    assert sidecar is None
    assert len(warnings) == 1
    assert "expected a JSON object" in warnings[0]


def test_sidecar_wrong_value_types_keep_the_good_keys(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps({
        "url": "https://example.org/harbin.html",
        "date": 20240830,
        "title": "   ",
        "source": ["Xinhua"],
    }), encoding="utf-8")
    sidecar, warnings = read_sidecar(path)
    assert sidecar == Sidecar(url="https://example.org/harbin.html")
    assert len(warnings) == 3
    joined = "\n".join(warnings)
    for key in ("'date'", "'title'", "'source'"):
        assert key in joined
    assert "'url'" not in joined
    assert all("a.json" in w for w in warnings)
