"""Bad FAQ files: one FaqImportError naming the file, where, and every problem found."""
from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.formats import FaqImportError, read_faq, write_faq
from knowledge.formats.errors import MAX_PROBLEMS
from knowledge.types import FaqEntry

FIXTURES = Path(__file__).parent / "fixtures"


def problems_of(name: str) -> tuple[FaqImportError, list[str]]:
    with pytest.raises(FaqImportError) as caught:
        read_faq(FIXTURES / name)
    error = caught.value
    assert str(error).startswith(f"{FIXTURES / name}: ")  # the message names the file
    return error, [str(problem) for problem in error.problems]


def test_csv_rows_with_the_wrong_number_of_columns() -> None:
    _, problems = problems_of("faq_bad_columns.csv")
    assert problems[0].startswith("line 3: expected 5 columns as in the header, found 6")
    assert problems[1].startswith("line 4: expected 5 columns as in the header, found 4")
    assert len(problems) == 2


def test_csv_duplicates_empty_question_empty_answer_all_reported_in_order() -> None:
    _, problems = problems_of("faq_problems.csv")
    assert problems == [
        "line 3: duplicate id 'refund', first used at line 2 (编号重复)",
        "line 4: empty question (问题为空)",
        "line 5: empty answer and no action bound (答案为空)",
        "line 7: column 'handoff' must be true/false (是/否), not 'maybe'",
    ]  # line 6 has no answer but is bound to an action, which is fine


def test_gbk_csv_is_refused_with_how_to_fix_it() -> None:
    error, (problem,) = problems_of("faq_gbk.csv")
    assert problem.startswith("line 2: not UTF-8")
    assert "GBK" in problem and "CSV UTF-8" in problem and "iconv -f GBK -t UTF-8" in problem


def test_only_the_first_problems_are_listed_with_a_count_of_the_rest() -> None:
    error, problems = problems_of("faq_many_problems.csv")
    assert len(problems) == MAX_PROBLEMS and error.more == 25 - MAX_PROBLEMS
    assert problems[0] == "line 2: empty question (问题为空)"
    assert f"{25} problems" in str(error) and f"and {25 - MAX_PROBLEMS} more" in str(error)


def test_csv_unknown_column_is_refused() -> None:
    _, (problem,) = problems_of("faq_unknown_column.csv")
    assert problem.startswith("line 1 (header): unknown column '备注'")
    assert "start a header with #" in problem


def test_malformed_json_names_line_and_column() -> None:
    _, (problem,) = problems_of("faq_malformed.json")
    assert problem.startswith("line 7 column 2: not valid JSON")


def test_json_that_is_not_a_list() -> None:
    _, (problem,) = problems_of("faq_not_list.json")
    assert "top level must be a list" in problem


def test_json_entry_problems_name_index_and_id() -> None:
    _, problems = problems_of("faq_problems.json")
    assert problems == [
        "entry 2 (id 'refund'): duplicate id 'refund', first used at entry 1 (id 'refund') (编号重复)",
        "entry 3 (id 'empty_q'): empty question (问题为空)",
        "entry 4 (id 'no_answer'): empty answer and no action bound (答案为空)",
        "entry 5 (id 'typo'): unknown field 'catgory' (known: id, question, answer, variants, buttons, "
        "links, channel_answers, category, tags, language, status, action, handoff, updated_at, updated_by)",
        "entry 6 (id 'bad_variants'): field 'variants' must be a list of texts, not str",
        "entry 7: must be an object with id, question, answer, not str",
    ]


def test_xlsx_problems_name_sheet_and_row() -> None:
    _, problems = problems_of("faq_problems.xlsx")
    assert problems == [
        "sheet 'Sheet1' row 3: duplicate id 'fee', first used at sheet 'Sheet1' row 2 (编号重复)",
        "sheet 'Sheet1' row 4: empty question (问题为空)",
        "sheet 'Sheet1' row 5: empty answer and no action bound (答案为空)",
        "sheet 'Sheet1' row 6: value 'stray value' right of the last column with a header",
    ]


def test_a_file_that_is_not_really_xlsx() -> None:
    _, (problem,) = problems_of("faq_corrupt.xlsx")
    assert problem.startswith("not a valid .xlsx workbook")


def test_malformed_yaml_names_the_line() -> None:
    _, (problem,) = problems_of("rasa_malformed.yml")
    assert problem.startswith("line 6 column 3: not valid YAML")


def test_rasa_intent_without_response_and_bad_examples() -> None:
    _, problems = problems_of("rasa_problems.yml")
    assert problems == [
        "line 6 (intent 'bye'): no response 'utter_bye' in this file or a domain.yml beside it (找不到答案)",
        "line 9 (intent 'thanks'): example '谢谢' must start with '- '",
    ]


def test_yaml_without_nlu_section() -> None:
    _, (problem,) = problems_of("rasa_no_nlu.yml")
    assert "no 'nlu:' list" in problem


@pytest.mark.parametrize("name, hint", [("faq_unknown.txt", "rename it .csv"), ("faq.xls", "save as .xlsx")])
def test_unknown_extensions(name: str, hint: str) -> None:
    _, (problem,) = problems_of(name)
    assert problem.startswith(f"unknown file extension '{Path(name).suffix}'") and hint in problem


def test_missing_file() -> None:
    _, (problem,) = problems_of("no_such_file.csv")
    assert problem.startswith("file not found")


def test_write_to_an_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(FaqImportError, match="unknown file extension '.txt'"):
        write_faq(tmp_path / "faq.txt", [FaqEntry(id="a", question="q", answer="a")])
    assert not any(tmp_path.iterdir())


def test_a_file_with_a_header_and_no_entries() -> None:
    _, (problem,) = problems_of("faq_header_only.csv")
    assert problem.startswith("no FAQ entries in the file")
