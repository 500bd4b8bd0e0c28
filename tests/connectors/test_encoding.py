"""Encodings are detected from the whole file and never garble text silently."""

import pytest

import connectors.encoding as encoding_module
from connectors.encoding import TextEncoding, detect_encoding, transcode_to_utf8, utf8_copy
from connectors.errors import UnreadableFile

TEXT = "姓名,住址\n张三,北京市朝阳区东湖街道柳荫社区3号楼\n" * 50


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_detects_and_copies_exactly(tmp_path, encoding, expected):
    path = tmp_path / "f.csv"
    path.write_bytes(TEXT.encode(encoding))
    assert detect_encoding(path).name == expected
    copy, found = utf8_copy(path, tmp_path)
    assert found.name == expected
    assert copy.read_text(encoding="utf-8-sig") == TEXT


def test_gb18030_characters_outside_gbk(tmp_path):
    text = "姓名\n㐀𠀀王\n" * 20  # CJK extension A and B: in GB18030, not in GBK
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode("gb18030"))
    copy, found = utf8_copy(path, tmp_path)
    assert found.name == "gb18030"
    assert copy.read_text(encoding="utf-8") == text


def test_a_late_non_utf8_byte_is_not_missed(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(("a,b\n" + "1,2\n" * 100_000).encode() + "张三".encode("gbk") + b"\n")
    assert detect_encoding(path).name == "gb18030"


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty"), (b"a,b\x00\x00c", "binary"), (b"a,b\n\x81\xff\x80\xfe\xff" * 10, "encoding")],
)
def test_unreadable(tmp_path, data, reason):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    with pytest.raises(UnreadableFile, match=reason):
        utf8_copy(path, tmp_path)


def test_big5_is_not_mistaken_for_gb18030(tmp_path):
    text = "姓名,地址\n陳大文,臺北市信義區忠孝東路\n張美麗,新北市板橋區文化路\n" * 30
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode("big5"))
    copy, found = utf8_copy(path, tmp_path)
    assert found.name == "big5"
    assert copy.read_text(encoding="utf-8") == text


def test_a_large_file_is_transcoded_in_two_halves_exactly(tmp_path, monkeypatch):
    monkeypatch.setattr(encoding_module, "PARALLEL_FROM", 1)
    text = "".join(f"{i},张三{i},北京市朝阳区东湖街道柳荫社区{i}号楼\n" for i in range(5_000))
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode("gbk"))
    target = transcode_to_utf8(path, TextEncoding("gb18030", False), tmp_path / "out.txt")
    assert target.read_text(encoding="utf-8") == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.csv", "out.txt"]


@pytest.mark.parametrize("where", [0.25, 0.75])
def test_a_half_that_does_not_decode_fails_and_leaves_nothing(tmp_path, monkeypatch, where):
    monkeypatch.setattr(encoding_module, "PARALLEL_FROM", 1)
    data = ("1,张三\n" * 5_000).encode("gbk")
    cut = int(len(data) * where) // 7 * 7  # on a line boundary: each line is 7 bytes in GBK
    path = tmp_path / "f.csv"
    path.write_bytes(data[:cut] + b"\xff\xff\n" + data[cut:])
    with pytest.raises(UnicodeDecodeError):
        transcode_to_utf8(path, TextEncoding("gb18030", False), tmp_path / "out.txt")
    assert not list(tmp_path.glob("*.part2"))
