"""Reading good FAQ files in every format, and export round-trips: read(write(x)) == x."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook

from knowledge.formats import read_faq, write_faq
from knowledge.types import FaqEntry, Link, QuickReply

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_FAQ = Path("/work/shared/datasets/smp2017_ecdt/faq.json")

RICH = [
    FaqEntry(
        id="shipping_time",
        question="多久发货？",
        answer="现货 48 小时内发货, 预售按页面时间。\nIn-stock orders ship within 48 hours.",
        variants=("啥时候发货", "when will my order ship", "a|b 竖线", "C:\\路径"),
        buttons=(QuickReply("查物流 Track", "/track"),),
        links=(Link("配送说明", "https://shop.example.com/help?a=1&b=2"),),
        channel_answers={"wechat": "48 小时内发货", "telegram": "Ships in 48h"},
        category="shipping",
        tags=("发货", "shipping"),
        language="zh",
        updated_at=datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc),
        updated_by="小王",
    ),
    FaqEntry(id="order_status", question="我的订单到哪了", answer="", variants=("where is my order",),
             action="action_order_status", category="order"),
    FaqEntry(id="complaint", question="我要投诉", answer="=正在为您转接人工客服", handoff=True,
             category="complaint", status="draft"),
    FaqEntry(id="1001", question="运费多少", answer="满 99 元包邮, 否则 8 元。"),
]
SUFFIXES = [".json", ".csv", ".xlsx", ".yml"]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_round_trip_keeps_every_field(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"faq{suffix}"
    write_faq(path, RICH)
    assert read_faq(path) == RICH


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_round_trip_of_a_shared_dataset(tmp_path: Path, suffix: str) -> None:
    entries = read_faq(SHARED_FAQ)
    path = tmp_path / f"faq{suffix}"
    write_faq(path, entries)
    assert read_faq(path) == entries
    assert len(entries) == 31 and all(entry.variants for entry in entries)


# Text each format cannot store: a lone surrogate has no UTF-8 form; .xlsx forbids control characters.
@pytest.mark.parametrize("suffix, bad", [(".json", "\ud800"), (".csv", "\ud800"), (".xlsx", "\x01")])
def test_failed_export_leaves_the_old_file(tmp_path: Path, suffix: str, bad: str) -> None:
    path = tmp_path / f"faq{suffix}"
    write_faq(path, RICH)
    before = path.read_bytes()
    broken = FaqEntry(id="x", question=f"bad {bad} char", answer="a")
    with pytest.raises(ValueError):  # UnicodeEncodeError is one
        write_faq(path, [*RICH, broken])
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_answer_starting_with_equals_is_text_in_excel(tmp_path: Path) -> None:
    path = tmp_path / "faq.xlsx"
    write_faq(path, RICH)
    sheet = load_workbook(path)["FAQ"]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == "=正在为您转接人工客服"]
    assert len(cells) == 1 and cells[0].data_type == "s"


def test_csv_export_has_a_bom_for_excel(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    write_faq(path, RICH)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfid,question,variants,answer,category")


def test_json_with_optional_fields() -> None:
    shipping, order, complaint = read_faq(FIXTURES / "faq_good.json")
    assert shipping.variants == ("啥时候发货", "when will my order ship")
    assert shipping.buttons == (QuickReply("查物流 Track", "/track"),)
    assert shipping.links[0].url == "https://shop.example.com/help/shipping"
    assert shipping.answer_for("wechat") == "48 小时内发货"
    assert shipping.tags == ("发货", "shipping") and shipping.language == "zh"
    assert order.action == "action_order_status" and order.answer == ""
    assert complaint.handoff is True and complaint.category == "complaint"
    assert {e.status for e in (shipping, order, complaint)} == {"published"}


def test_csv_with_bom_quotes_multiline_cells_and_notes_column() -> None:
    shipping, returns = read_faq(FIXTURES / "faq_bom.csv")
    assert shipping.id == "shipping_time"  # not "\ufeffid" mangling the header
    assert shipping.answer == "现货 48 小时内发货, 预售按页面时间"
    assert shipping.variants == ("啥时候发货", "when will my order ship")
    assert returns.answer == "签收 7 天内可申请退货。\n在「我的订单」点「申请售后」。"
    assert returns.category == "returns"


def test_csv_with_semicolons_as_excel_writes_in_some_locales() -> None:
    (entry,) = read_faq(FIXTURES / "faq_semicolon.csv")
    assert (entry.id, entry.question, entry.variants) == ("shipping_time", "多久发货", ("啥时候发货",))


def test_xlsx_with_chinese_headers_numbers_and_booleans() -> None:
    shipping, fee, complaint = read_faq(FIXTURES / "faq_good.xlsx")
    assert shipping.variants == ("啥时候发货", "when will my order ship")
    assert fee.id == "1001"  # Excel stores the number 1001, the id is the text
    assert fee.handoff is False and complaint.handoff is True


def test_rasa_nlu_with_responses_in_the_same_file() -> None:
    shipping, returns, order = read_faq(FIXTURES / "rasa_nlu.yml")
    assert shipping.question == "多久发货"
    assert shipping.variants == ("啥时候发货", "when will my order ship")  # entity markup removed
    assert shipping.answer == "现货 48 小时内发货。"
    assert shipping.buttons == (QuickReply("查物流", "/track"),)
    assert shipping.channel_answers == {"wechat": "48 小时内发货"}
    assert (returns.id, returns.variants) == ("faq/return_policy", ("can I return shoes",))
    assert returns.answer == "签收 7 天内可无理由退货。"
    assert order.action == "action_order_status" and order.category == "order"


def test_rasa_nlu_with_responses_in_the_project_domain() -> None:
    greet, fee = read_faq(FIXTURES / "rasa_project" / "data" / "nlu.yml")
    assert (greet.question, greet.variants) == ("你好", ("hello",))
    assert greet.answer == "您好, 有什么可以帮您? Hi, how can I help?"
    assert fee.answer == "满 99 元包邮。"


def test_rasa_examples_written_as_objects_with_metadata() -> None:
    (greet,) = read_faq(FIXTURES / "rasa_example_objects.yml")
    assert (greet.question, greet.variants, greet.answer) == ("你好", ("hello",), "您好")
