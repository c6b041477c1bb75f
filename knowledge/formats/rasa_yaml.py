"""Rasa NLU YAML: each intent is an entry (first example = question, the rest = variants);
its answer is the response `utter_<intent>` (Rasa's retrieval intents `faq/x` use `utter_faq/x`).

Responses may be in the same file or in a `domain.yml` beside it or one folder up (Rasa's
`data/nlu.yml` + `domain.yml` layout). Response variations with `channel:` become per-channel
answers; our other fields travel in the intent's `metadata: {kefu: {...}}`, which Rasa ignores.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from knowledge.types import FaqEntry

from .entry_dict import entry_from_dict, entry_to_dict
from .errors import FaqImportError, ProblemList
from .files import atomic_write, read_text
from .validation import EntryChecker

__all__ = ["read_rasa_yaml", "write_rasa_yaml"]

# [text](entity), [text](entity:value) and [text]{"entity": ...} annotations keep only the text.
_ENTITY = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_METADATA_FIELDS = ("category", "tags", "language", "links", "action", "handoff", "status", "updated_at", "updated_by")


def _load(path: Path) -> tuple[Any, yaml.Node | None]:
    """The data and its node tree (for line numbers), or FaqImportError naming the line."""
    loader = yaml.SafeLoader(read_text(path))
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise FaqImportError.single(path, f"not valid YAML: {reason} (YAML 格式错误)", where) from None
    finally:
        loader.dispose()


def _responses(path: Path, data: dict) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for domain in (path.parent / "domain.yml", path.parent / "domain.yaml",
                   path.parent.parent / "domain.yml", path.parent.parent / "domain.yaml"):
        if domain.is_file() and domain.resolve() != path.resolve():
            domain_data, _ = _load(domain)
            if isinstance(domain_data, dict) and isinstance(domain_data.get("responses"), dict):
                responses = {**domain_data["responses"], **responses}  # nearer files win
    own = data.get("responses") or {}
    if not isinstance(own, dict):
        raise FaqImportError.single(path, "'responses' must be a mapping utter_<intent>: [{text: ...}]")
    return {**responses, **own}


def _examples(raw: Any) -> list[str]:
    if isinstance(raw, list):  # Rasa also allows [{text: ..., metadata: ...}]
        lines = [str(item.get("text", "")) if isinstance(item, dict) else str(item) for item in raw]
    elif isinstance(raw, str):
        lines = []
        for line in raw.splitlines():
            line = line.strip()
            if not line:
                continue
            if not line.startswith("-"):
                raise ValueError(f"example {line[:30]!r} must start with '- '")
            lines.append(line[1:])
    else:
        raise ValueError("'examples' must be a block of '- example' lines")
    return [_ENTITY.sub(r"\1", line).strip() for line in lines if line.strip()]


def _answer_fields(variations: Any) -> dict[str, Any]:
    if not isinstance(variations, list) or not all(isinstance(v, dict) for v in variations):
        raise ValueError("its response must be a list of {text: ...} variations")
    fields: dict[str, Any] = {"channel_answers": {}}
    for variation in variations:
        channel, text = variation.get("channel"), variation.get("text", "")
        if channel:
            fields["channel_answers"].setdefault(str(channel), text)
        elif "answer" not in fields:  # Rasa picks among variations at random; we keep the first
            fields["answer"] = text
            fields["buttons"] = [{"title": b.get("title", ""), "payload": b.get("payload", "")}
                                 for b in variation.get("buttons") or [] if isinstance(b, dict)]
    return fields


def read_rasa_yaml(path: Path) -> list[FaqEntry]:
    data, node = _load(path)
    if not isinstance(data, dict) or not isinstance(data.get("nlu"), list):
        raise FaqImportError.single(path, "no 'nlu:' list; expected Rasa NLU training data (- intent: ... examples: |)")
    responses = _responses(path, data)
    nlu_nodes = next(value.value for key, value in node.value if key.value == "nlu")
    problems = ProblemList(path)
    checker = EntryChecker(problems)
    for item, item_node in zip(data["nlu"], nlu_nodes):
        if not isinstance(item, dict) or "intent" not in item:
            continue  # synonyms, regexes and lookup tables are not FAQ entries
        intent = str(item["intent"])
        where = f"line {item_node.start_mark.line + 1} (intent {intent!r})"
        add = lambda message, where=where: problems.add(where, message)  # noqa: E731
        try:
            examples = _examples(item.get("examples"))
            metadata = (item.get("metadata") or {}).get("kefu") or {}
            if not isinstance(metadata, dict):
                raise ValueError("'metadata: kefu:' must be a mapping of entry fields")
            fields = _answer_fields(responses[f"utter_{intent}"]) if f"utter_{intent}" in responses else {}
        except (ValueError, AttributeError) as exc:
            add(str(exc))
            continue
        if not examples:
            add("no examples; the first example is the question (没有例句)")
            continue
        if not fields and not metadata.get("action"):
            add(f"no response 'utter_{intent}' in this file or a domain.yml beside it (找不到答案)")
            continue
        entry = entry_from_dict({"id": intent, "question": examples[0], "variants": examples[1:],
                                 **fields, **metadata}, add)
        if entry is not None:
            checker.add(where, entry)
    problems.raise_if_any()
    return checker.entries


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _str)


def write_rasa_yaml(path: Path, entries: list[FaqEntry]) -> None:
    nlu, responses = [], {}
    for entry in entries:
        data = entry_to_dict(entry)
        item: dict[str, Any] = {"intent": entry.id}
        extra = {key: data[key] for key in _METADATA_FIELDS if key in data}
        if extra:
            item["metadata"] = {"kefu": extra}
        item["examples"] = "".join(f"- {text}\n" for text in entry.phrasings)
        nlu.append(item)
        variations: list[dict[str, Any]] = []
        if entry.answer or entry.buttons:
            variations.append({"text": entry.answer})
            if entry.buttons:
                variations[0]["buttons"] = data["buttons"]
        variations += [{"channel": ch, "text": text} for ch, text in entry.channel_answers.items()]
        if variations:
            responses[f"utter_{entry.id}"] = variations
    text = yaml.dump({"version": "3.1", "nlu": nlu, "responses": responses}, Dumper=_Dumper,
                     allow_unicode=True, sort_keys=False, width=1000)
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
