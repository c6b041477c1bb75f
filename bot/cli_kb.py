"""`kefu kb ...`: import, export, list and publish the FAQ knowledge base; tune the model."""
from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import asynccontextmanager
from pathlib import Path

from bot.cli_database import migrated_database, run_async
from bot.settings import Settings


def register(commands: argparse._SubParsersAction) -> None:
    kb = commands.add_parser(
        "kb", help="manage the FAQ knowledge base", description="Manage the FAQ knowledge base."
    )
    sub = kb.add_subparsers(dest="kb_command", metavar="ACTION", required=True)

    p = sub.add_parser(
        "import",
        help="import FAQ entries from JSON, CSV, XLSX or Rasa NLU YAML",
        description="Import FAQ entries (JSON like datasets/*/faq.json; CSV/XLSX with columns id, question, "
        "variants separated by |, answer, category; Rasa NLU YAML). All or nothing: any error imports "
        "nothing and names the file, row and problem.",
    )
    p.add_argument("file", type=Path)
    p.add_argument("--replace", action="store_true", help="replace the whole knowledge base (default: merge by id)")
    p.add_argument("--draft", action="store_true", help="import as drafts; publish later with `kefu kb publish`")
    p.add_argument("--by", default="cli", help="name recorded in the history (default: %(default)s)")
    p.set_defaults(handler=run_async(_import))

    p = sub.add_parser("export", help="export the knowledge base (format from the file extension)")
    p.add_argument("file", type=Path)
    p.add_argument("--status", choices=["published", "draft", "all"], default="all")
    p.set_defaults(handler=run_async(_export))

    p = sub.add_parser("list", help="list entries")
    p.add_argument("--status", choices=["published", "draft", "all"], default="all")
    p.set_defaults(handler=run_async(_list))

    p = sub.add_parser("publish", help="publish drafts and rebuild the search index")
    p.add_argument("--by", default="cli")
    p.set_defaults(handler=run_async(_publish))

    p = sub.add_parser(
        "tune",
        help="fine-tune the embedding model on the knowledge base's own variants (CPU, minutes)",
        description="Fine-tune the embedding model so that the variants of one entry lie close together and "
        "those of different entries apart (published entries only; no customer questions are used). The tuned "
        "model is saved in the data directory and used from then on. Takes 0.5-1 s per 64 phrasings per epoch "
        "on 2 cores: 2-4 minutes per epoch for 15,000 phrasings.",
    )
    p.add_argument("--epochs", type=int, default=None,
                   help="passes over the phrasings (default: 2, or more for a small KB, up to about 120 "
                   "training steps)")
    p.add_argument("--learning-rate", type=float, default=5e-5, help="AdamW learning rate (default: %(default)s)")
    p.set_defaults(handler=run_async(_tune))


@asynccontextmanager
async def _faq_store(settings: Settings):
    from knowledge.faq_store import FaqStore

    async with migrated_database(settings) as db:
        yield FaqStore(db.engine)


def _status(value: str) -> str | None:
    return None if value == "all" else value


async def _import(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.formats import FaqImportError, read_faq

    try:
        entries = read_faq(args.file)
    except FaqImportError as exc:
        print(f"kefu kb import: {exc}\nNothing was imported.", file=sys.stderr)
        return 1
    if args.draft and args.replace:
        print("kefu kb import: --draft cannot be combined with --replace (customers would lose the live "
              "knowledge base until the next publish). Import as drafts with merge, or replace and publish.",
              file=sys.stderr)
        return 2
    if args.draft:
        entries = [_as_draft(e) for e in entries]
    async with _faq_store(settings) as store:
        await store.replace_all(entries, by=args.by, mode="replace" if args.replace else "merge")
        print(f"imported {len(entries)} entries from {args.file}")
        if args.draft:
            print("imported as drafts: customers see them after `kefu kb publish`")
        else:  # imported entries are live at once; build the index now so the server starts fast
            version = await store.version()
            await _index(settings, store, version)
            print(f"live: knowledge base version {version}")
    return 0


def _as_draft(entry):
    from dataclasses import replace

    return replace(entry, status="draft")


async def _index(settings: Settings, store, version: int) -> None:
    """Build and save the index now (with a progress bar) so the server starts without re-embedding."""
    from bot.retriever_factory import build_retriever

    entries = await store.list_entries("published")
    retriever = await asyncio.to_thread(build_retriever, settings)
    await asyncio.to_thread(retriever.build, entries, str(version), True)


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.formats import write_faq

    async with _faq_store(settings) as store:
        entries = await store.list_entries(_status(args.status))
        try:
            write_faq(args.file, entries)
        except ValueError as exc:  # FaqImportError, or text the file format cannot hold
            print(f"kefu kb export: {exc}", file=sys.stderr)
            return 1
        print(f"exported {len(entries)} entries to {args.file}")
    return 0


async def _list(settings: Settings, args: argparse.Namespace) -> int:
    async with _faq_store(settings) as store:
        entries = await store.list_entries(_status(args.status))
        for e in entries:
            print(f"{e.id}\t{e.status}\t{e.category}\t{e.question}\t({len(e.variants)} variants)")
        print(f"{len(entries)} entries, version {await store.version()}")
    return 0


async def _publish(settings: Settings, args: argparse.Namespace) -> int:
    async with _faq_store(settings) as store:
        version = await store.publish(by=args.by)
        await _index(settings, store, version)
        print(f"published: knowledge base version {version}")
    return 0


async def _tune(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.tuning import TuningError, tune_model

    async with _faq_store(settings) as store:
        entries = await store.list_entries("published")
    try:
        result = await asyncio.to_thread(tune_model, settings.knowledge, entries, settings.server.data_dir,
                                         args.epochs, args.learning_rate)
    except TuningError as exc:
        print(f"kefu kb tune: {exc}", file=sys.stderr)
        return 1
    print(f"tuned on {result.phrasings} phrasings ({result.steps} steps) in {result.seconds:.0f} s; saved to {result.path}")
    print(f"{settings.server.data_dir / 'models' / 'current.json'} now points at it; the bot loads it on its "
          "next start (or set knowledge.model to that path)")
    return 0
