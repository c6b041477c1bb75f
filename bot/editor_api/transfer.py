"""Editor API: bulk import with a preview of what will change, and export in any FAQ format.

An upload is parsed completely before anything is written: a file with any problem answers 400
with every problem (row/line and what is wrong) and changes nothing. `apply` parses the same file
again (the server keeps no upload between requests) and writes it with `FaqStore.replace_all` in
one transaction; imported entries keep their own status, so published ones go live at once (as
with `kefu kb import`), and the KB version is bumped.
"""
from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from aiohttp import web

from bot.app_keys import SERVICES
from bot.auth import User
from bot.editor_api.http import EditorError, editor_route, who
from knowledge.formats import SUFFIXES, FaqImportError, read_faq, write_faq
from knowledge.import_preview import ImportPreview
from knowledge.types import FaqEntry

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
_FORMATS = {"json": ".json", "csv": ".csv", "xlsx": ".xlsx", "yaml": ".yml"}
_TYPES = {".json": "application/json", ".csv": "text/csv; charset=utf-8", ".yml": "application/x-yaml",
          ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _problems(exc: FaqImportError) -> list[dict[str, str]]:
    return [{"where": p.where, "message": p.message} for p in exc.problems]


async def _upload(request: web.Request) -> tuple[list[FaqEntry], str, str]:
    """(entries, mode, file name) from a multipart form with `file` and `mode`."""
    if not request.content_type.startswith("multipart/"):
        raise EditorError(400, "multipart_required", "请以表单上传文件 / Upload the file as multipart/form-data (field 'file').")
    try:
        mode, name, data = await _read_form(request)
    except (ValueError, AssertionError, UnicodeDecodeError):  # a form that is not one
        raise EditorError(400, "malformed_form", "上传的表单格式有误 / The upload is not a valid multipart form.") from None
    if mode not in ("merge", "replace"):
        raise EditorError(400, "bad_mode", "mode 只能是 merge 或 replace / mode must be merge or replace.")
    if data is None or not name:
        raise EditorError(400, "no_file", "请选择要导入的文件 / Choose a file to import (field 'file').")
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise EditorError(400, "bad_file_type", f"不支持的文件类型 {suffix or '(无)'}；请用 {', '.join(SUFFIXES)} / "
                                               f"Unsupported file type {suffix or '(none)'}; use {', '.join(SUFFIXES)}.",
                          [{"where": name, "message": f"unknown file extension {suffix or '(none)'}"}])
    with tempfile.TemporaryDirectory(prefix="kefu-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(bytes(data))
        try:
            entries = await asyncio.to_thread(read_faq, path)
        except FaqImportError as exc:
            count = len(exc.problems) + exc.more
            raise EditorError(400, "invalid_file", f"{name}：{count} 个问题，未导入任何内容 / {name}: {count} problem(s); nothing was imported.",
                              _problems(exc), more=exc.more) from None
    return entries, mode, name


async def _read_form(request: web.Request) -> tuple[str, str, bytearray | None]:
    mode, name, data = "merge", "", None
    reader = await request.multipart()
    async for part in reader:
        if part.name == "mode":
            mode = (await part.text()).strip()
        elif part.name == "file":
            name = Path(part.filename or "").name
            data = bytearray()
            while chunk := await part.read_chunk(64 * 1024):
                data += chunk
                if len(data) > MAX_UPLOAD_BYTES:
                    raise EditorError(413, "file_too_large", f"文件超过 {MAX_UPLOAD_BYTES // 2**20} MB / "
                                                             f"The file is larger than {MAX_UPLOAD_BYTES // 2**20} MB.")
    return mode, name, data


@editor_route
async def import_preview(request: web.Request, user: User) -> web.Response:
    entries, mode, name = await _upload(request)
    current = await request.app[SERVICES].kb.store.list_entries(None)
    return web.json_response({"file": name, "entries": len(entries), **ImportPreview(entries, current, mode).as_dict()})


@editor_route
async def import_apply(request: web.Request, user: User) -> web.Response:
    entries, mode, name = await _upload(request)
    store = request.app[SERVICES].kb.store
    preview = ImportPreview(entries, await store.list_entries(None), mode).as_dict()
    try:
        version = await store.replace_all(entries, who(user), mode)
    except FaqImportError as exc:
        raise EditorError(400, "invalid_file", f"{name}: nothing was imported / 未导入任何内容", _problems(exc)) from None
    return web.json_response({"file": name, "entries": len(entries), "version": version, **preview})


@editor_route
async def export(request: web.Request, user: User) -> web.StreamResponse:
    fmt = request.query.get("format", "csv")
    scope = request.query.get("scope", "published")
    if fmt not in _FORMATS:
        raise EditorError(400, "bad_format", f"format 只能是 {', '.join(_FORMATS)} / format must be one of {', '.join(_FORMATS)}.")
    if scope not in ("published", "all"):
        raise EditorError(400, "bad_scope", "scope 只能是 published 或 all / scope must be published or all.")
    entries = await request.app[SERVICES].kb.store.list_entries("published" if scope == "published" else None)
    suffix = _FORMATS[fmt]
    with tempfile.TemporaryDirectory(prefix="kefu-export-") as folder:
        path = Path(folder) / f"faq{suffix}"
        try:
            await asyncio.to_thread(write_faq, path, entries)
        except FaqImportError as exc:
            raise EditorError(400, "cannot_export", f"无法导出为 {fmt} / These entries cannot be written as {fmt}.",
                              _problems(exc)) from None
        body = path.read_bytes()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")
    return web.Response(body=body, headers={
        "Content-Type": _TYPES[suffix],
        "Content-Disposition": f'attachment; filename="kefu-faq-{scope}-{stamp}{suffix}"',
    })
