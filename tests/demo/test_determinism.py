"""The same seed gives the same data: text files byte-identical, workbooks cell by cell."""

import openpyxl

from tests.demo.conftest import make_home


def _cells(path):
    book = openpyxl.load_workbook(path, read_only=True)
    cells = [row for ws in book.worksheets for row in ws.iter_rows(values_only=True)]
    book.close()
    return cells


def test_same_seed_same_data(tmp_path):
    a = make_home(tmp_path / "a", 1000, 7)
    b = make_home(tmp_path / "b", 1000, 7)
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    assert len(files_a) == 11  # 5 exports, 6 truth files (spreadsheet_ids.csv among them)
    for rel in files_a:
        if rel.suffix == ".xlsx":
            assert _cells(a / rel) == _cells(b / rel), rel
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_another_seed_gives_another_district(tmp_path):
    a = make_home(tmp_path / "a", 1000, 7)
    b = make_home(tmp_path / "b", 1000, 8)
    truth = "demo_truth/people.csv"
    assert (a / truth).read_bytes() != (b / truth).read_bytes()
