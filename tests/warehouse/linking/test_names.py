"""Names as linking compares them: hand-written spellings of real exports."""

import duckdb
import pytest

from warehouse.linking.names import (
    create_name_table,
    name_parts,
    name_pinyin,
    normalize_name,
    normalize_names,
)


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("張偉", "张伟"),  # standard traditional
        ("张伟", "张伟"),  # already simplified: unchanged
        ("劉麗華", "刘丽华"),
        ("鄭國強", "郑国强"),
        ("歐陽修", "欧阳修"),
        ("衞國", "卫国"),  # Hong Kong variant form, left alone by plain t2s
        ("裡美", "里美"),  # Taiwan variant form
        ("鍾秀", "钟秀"),
        ("溫説", "温说"),
        ("張\u3000偉", "张伟"),  # ideographic space between surname and given name
        (" 張 偉 ", "张伟"),
        ("\u2f08民", "人民"),  # Kangxi radical 人 typed for the character
        ("ＬＩ　Ｍｉｎｇ", "LI Ming"),  # full-width Latin and space
        ("Li   Ming", "Li Ming"),
        ("J. Smith", "J. Smith"),  # a Latin name keeps its full stop
        ("阿卜杜・热合曼", "阿卜杜·热合曼"),  # katakana middle dot
        ("阿卜杜•熱合曼", "阿卜杜·热合曼"),  # bullet, traditional 熱
        ("阿卜杜．热合曼", "阿卜杜·热合曼"),  # full-width full stop
        ("乾隆", "乾隆"),  # 乾 is not 干 in a name
        ("张伟（户主）", "张伟"),  # a clerk's note (full-width brackets)
        ("李娜(曾用名李雪)", "李娜"),
        ("【王芳】", "【王芳】"),  # nothing left without the brackets: kept as written
    ],
)
def test_names_are_folded_and_simplified(written, normalized):
    assert normalize_name(written) == normalized


def test_many_names_at_once_give_the_same_as_one_by_one():
    names = ["張偉", "刘丽", "", "ＷＡＮＧ", "王\n芳", "鄭強"] * 3
    assert normalize_names(names) == [normalize_name(n) for n in names]
    # A name holding a line break does not shift its neighbours.
    assert normalize_names(["張偉", "王\n芳", "鄭強"])[2] == "郑强"


@pytest.mark.parametrize(
    ("name", "pinyin"),
    [
        ("曾国藩", "zeng guo fan"),  # 曾 is ceng in 曾经, zeng as a surname
        ("单雄信", "shan xiong xin"),  # not dan
        ("解缙", "xie jin"),  # not jie
        ("仇英", "qiu ying"),  # not chou
        ("区丽", "ou li"),  # not qu
        ("查良镛", "zha liang yong"),  # not cha
        ("朴秀", "piao xiu"),
        ("欧阳修", "ou yang xiu"),  # a compound surname, read as one
        ("尉迟恭", "yu chi gong"),  # 尉 alone reads wei
        ("张伟", "zhang wei"),
        ("Li Ming", "li ming"),
        ("Zhang Wei", "zhang wei"),  # a name written in pinyin meets its characters
    ],
)
def test_surnames_are_read_as_surnames(name, pinyin):
    assert name_pinyin(name) == pinyin


def test_homophones_share_a_pinyin_and_other_names_do_not():
    assert name_pinyin("张玮") == name_pinyin("张伟") == name_pinyin("章炜")
    assert name_pinyin("曾伟") == name_pinyin("增伟")  # a homophone typo of the surname
    assert name_pinyin("张伟") != name_pinyin("张强")
    assert name_pinyin("王明") != name_pinyin("王朋")  # looks alike, sounds different
    assert name_pinyin(normalize_name("張偉")) == "zhang wei"


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("张伟", ("张", "伟", "wei")),
        ("曾国藩", ("曾", "国藩", "guo fan")),
        # A compound surname is the surname whole: 欧阳娜娜 and 欧阳娜 share it, and the
        # given name 娜娜 is compared as a given name, not 阳娜娜.
        ("欧阳娜娜", ("欧阳", "娜娜", "na na")),
        ("司马相如", ("司马", "相如", "xiang ru")),
        # Two characters are a surname and a given name, whatever they could also be.
        ("夏侯", ("夏", "侯", "hou")),
        ("张", ("张", "", None)),
        ("阿卜杜·热合曼", ("阿", "卜杜·热合曼", "bo du re he man")),
        ("Li Ming", ("L", "i Ming", "ming")),
        (None, (None, None, None)),
    ],
)
def test_a_name_splits_into_surname_and_given_name_once(name, parts):
    assert name_parts(name) == parts


def test_the_name_table_holds_each_distinct_staged_name_once():
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE staged AS SELECT * FROM (VALUES ('張偉'), ('张伟'), ('張偉'), (NULL), "
        "('ＬＩ　Ｍｉｎｇ')) AS t(name)"
    )
    assert create_name_table(con, "SELECT name FROM staged") == 3
    rows = con.execute(
        "SELECT raw, name, name_pinyin, surname, given_name, given_pinyin FROM link_names"
    ).fetchall()
    assert set(rows) == {
        ("ＬＩ　Ｍｉｎｇ", "LI Ming", "li ming", "L", "I Ming", "ming"),
        ("张伟", "张伟", "zhang wei", "张", "伟", "wei"),
        ("張偉", "张伟", "zhang wei", "张", "伟", "wei"),
    }
