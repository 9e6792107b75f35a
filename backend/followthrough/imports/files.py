"""Reading import files from disk, for the CLI: the JSON export, and Loop's zip or its unzipped folder.

Bounded before anything is decoded: a zip's entries are read at most MAX_TOTAL_BYTES in all, whatever sizes
their headers claim, so a zip bomb stops early; text must be UTF-8 (a byte-order mark is dropped).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import msgspec

from followthrough.imports.plan import ImportFileError
from followthrough.imports.schemas import MAX_LOOP_FILES, AccountDocument

MAX_TOTAL_BYTES = 64 * 1024 * 1024
_AT_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_AT_BYTE = re.compile(r"\(byte (?P<offset>[0-9]+)\)")


def read_account_document(path: Path) -> AccountDocument:
    """The export at `path`; a refusal names the file and the line and column, or the JSON path, at fault."""
    content = _bounded(path.read_bytes(), path.name)
    try:
        return msgspec.json.decode(content, type=AccountDocument)
    except msgspec.ValidationError as error:
        found = _AT_PATH.match(str(error))
        assert found is not None
        where = (found["path"] or "").lstrip(".")
        raise ImportFileError(f"{path.name}:{where}" if where else path.name, found["message"]) from None
    except msgspec.DecodeError as error:
        offset = _AT_BYTE.search(str(error))
        where = path.name
        if offset is not None:
            before = content[: int(offset["offset"])]
            line = before.count(b"\n") + 1
            column = len(before) - (before.rfind(b"\n") + 1) + 1
            where = f"{path.name}:{line}:{column}"
        raise ImportFileError(where, str(error)) from None


def read_loop_files(path: Path) -> dict[str, str]:
    """Loop's CSV files, by their path inside the export: from its zip, or from the folder it unzips to."""
    if path.is_dir():
        found = sorted(item for item in path.rglob("*.csv") if item.is_file())
        _count(len(found), path.name)
        total = 0
        files: dict[str, str] = {}
        for item in found:
            content = item.read_bytes()
            total += len(content)
            if total > MAX_TOTAL_BYTES:
                raise ImportFileError(path.name, f"holds more than {MAX_TOTAL_BYTES // 2**20} MB of CSV")
            name = item.relative_to(path).as_posix()
            files[name] = _text(content, name)
        return files
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ImportFileError(path.name, "is neither a zip file nor a folder") from None
    with archive:
        entries = [
            info for info in archive.infolist() if info.filename.endswith(".csv") and not info.is_dir()
        ]
        _count(len(entries), path.name)
        budget = MAX_TOTAL_BYTES
        files = {}
        for info in entries:
            with archive.open(info) as stream:
                content = stream.read(budget + 1)
            budget -= len(content)
            if budget < 0:
                raise ImportFileError(path.name, f"unzips to more than {MAX_TOTAL_BYTES // 2**20} MB")
            files[info.filename] = _text(content, info.filename)
        return files


def _count(count: int, name: str) -> None:
    if count > MAX_LOOP_FILES:
        raise ImportFileError(name, f"holds more than {MAX_LOOP_FILES} CSV files; is this a Loop export?")


def _bounded(content: bytes, name: str) -> bytes:
    if len(content) > MAX_TOTAL_BYTES:
        raise ImportFileError(name, f"is larger than {MAX_TOTAL_BYTES // 2**20} MB")
    return content


def _text(content: bytes, name: str) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise ImportFileError(f"{name}:{line}", f"is not UTF-8 text (byte {error.start})") from None
