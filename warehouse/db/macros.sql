-- Standardization macros, kept in the warehouse file and replaced when this SQL changes
-- (warehouse/db/macros.py ensure_macros).
-- {{checksum_terms}} and {{check_chars}} are filled from schemas/idnumber.py (GB 11643-1999).

CREATE OR REPLACE MACRO cw_halfwidth(s) AS translate(
    s,
    '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ（）－＋　／．：＃',
    '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz()-+ /.:#'
);

-- Trimmed text, empty as NULL: all cw_clean does to text without the characters it tests.
CREATE OR REPLACE MACRO cw_trim(s) AS nullif(trim(s), '');
-- Trimmed, half-width text without control characters; empty becomes NULL.
-- translate() costs 2.4 s per million values here, so it runs only where needed.
-- warehouse/ingest/dirt.py finds the columns that can skip the test, or the trim as well: keep the
-- three in step (its tests check it against these macros).
CREATE OR REPLACE MACRO cw_clean(s) AS cw_trim(CASE
    WHEN regexp_matches(s, '[\x{{3000}}\x{{FF01}}-\x{{FF5E}}\x00-\x1f\x7f]')
        THEN regexp_replace(cw_halfwidth(s), '[\x00-\x1f\x7f]', '', 'g')
    ELSE s
END);

-- On cleaned text. Chinese names lose every inner space; Latin-script names keep single spaces.
CREATE OR REPLACE MACRO cw_name(s) AS CASE
    WHEN NOT contains(s, ' ') THEN s
    WHEN regexp_matches(s, '[A-Za-z]') THEN regexp_replace(s, '\s+', ' ', 'g')
    ELSE nullif(replace(s, ' ', ''), '')
END;

-- On cleaned text: without spaces or dashes, and a check character x as X (any other letter
-- makes the number invalid whatever its case). Cleaning removed control characters, so a
-- space is the only whitespace left: plain replace() does what a regex did, faster, and
-- only where a cheap contains() finds something to replace (a third of the cost here).
CREATE OR REPLACE MACRO cw_id_text(s) AS nullif(CASE
    WHEN contains(s, ' ') OR contains(s, '-') OR contains(s, 'x')
        THEN replace(replace(replace(s, ' ', ''), '-', ''), 'x', 'X')
    ELSE s
END, '');

-- ISO 7064 MOD 11-2, unrolled: a lambda over the 17 digits ran 100x slower here, and the
-- digits taken by integer arithmetic from one cast cost a third of 17 substr/ascii pairs.
-- Only meaningful on 17 digits (callers check the shape); anything else gives NULL.
CREATE OR REPLACE MACRO cw_id_check_of(n) AS substr(
    '{check_chars}', CAST(({checksum_terms}) % 11 + 1 AS BIGINT), 1
);
CREATE OR REPLACE MACRO cw_id_check(first17) AS cw_id_check_of(TRY_CAST(first17 AS BIGINT));

-- 15-digit legacy numbers (issued to people born 1900-1999) become 18 digits.
-- The length first: the regular expression ran on every number, though few have 15 digits.
CREATE OR REPLACE MACRO cw_id_is15(t) AS
    CASE WHEN strlen(t) = 15 THEN regexp_full_match(t, '[0-9]{{15}}') ELSE false END;
CREATE OR REPLACE MACRO cw_id18_of(t, is15) AS CASE
    WHEN is15 THEN
        substr(t, 1, 6) || '19' || substr(t, 7) || cw_id_check(substr(t, 1, 6) || '19' || substr(t, 7))
    ELSE t
END;
CREATE OR REPLACE MACRO cw_id18(t) AS cw_id18_of(t, cw_id_is15(t));

-- ID numbers that went through a spreadsheet's number cell (see Compiler._id_number): in
-- scientific notation (3.30110195902211E+17), a number of more than 15 digits lost the
-- rest, as a cell keeps 15 significant digits. One written with all of its 15 digits
-- (3.30110590221123E+14, a legacy number a double holds exactly) is those digits.
CREATE OR REPLACE MACRO cw_id_sci(t) AS CASE
    WHEN contains(t, 'E') OR contains(t, 'e') THEN regexp_full_match(t, '[0-9](\.[0-9]*)?[eE]\+?[0-9]+')
    ELSE false
END;
CREATE OR REPLACE MACRO cw_id_unsci(t) AS CASE
    WHEN (contains(t, 'E') OR contains(t, 'e')) AND regexp_full_match(t, '[1-9]\.[0-9]{{14}}[eE]\+?14')
        THEN replace(left(t, 16), '.', '')
    ELSE t
END;
-- 18 digits ending in the three zeros a cell pads after its 15 digits.
CREATE OR REPLACE MACRO cw_id_padded(t) AS
    CASE WHEN ends_with(t, '000') THEN regexp_full_match(t, '[0-9]{{18}}') ELSE false END;

CREATE OR REPLACE MACRO cw_id_shape_ok(n) AS coalesce(regexp_full_match(n, '{id_number}'), false);
CREATE OR REPLACE MACRO cw_id_birth(n) AS try_strptime(substr(n, 7, 8), '%Y%m%d')::DATE;
CREATE OR REPLACE MACRO cw_id_sex(n) AS CASE WHEN (ascii(substr(n, 17, 1)) - 48) % 2 = 1 THEN '1' ELSE '2' END;

-- Phones: mobile as 11 digits, landline as area code, dash, number.
CREATE OR REPLACE MACRO cw_phone_digits(s) AS
    regexp_replace(regexp_replace(s, '[^0-9+]', '', 'g'), '^(\+86|0086|\+)', '');
-- d: the digits of s without a country prefix; s: the cleaned text.
-- A landline without its leading 0 (+86 571 …, or 5718888666 from a number cell, which
-- drops it) gets the 0 back: 10 or 11 digits starting 2-9 have no other reading in the
-- numbering plan (mobiles start with 1, local numbers have 7-8 digits) except the 400
-- and 800 service numbers, which are left alone. Compiler reports each restored 0.
CREATE OR REPLACE MACRO cw_phone_of(d, s, area) AS CASE
    WHEN regexp_full_match(d, '(86)?{mobile}') THEN right(d, 11)
    WHEN regexp_full_match(d, '0(10|2[0-9])[0-9]{{8}}') THEN substr(d, 1, 3) || '-' || substr(d, 4)
    WHEN regexp_full_match(d, '(10|2[0-9])[0-9]{{8}}')
        THEN '0' || substr(d, 1, 2) || '-' || substr(d, 3)
    WHEN regexp_full_match(d, '0[3-9][0-9]{{2}}[0-9]{{7,8}}') THEN substr(d, 1, 4) || '-' || substr(d, 5)
    WHEN regexp_full_match(d, '[3-9][0-9]{{2}}[0-9]{{7,8}}') AND NOT regexp_matches(d, '^[48]00')
        THEN '0' || substr(d, 1, 3) || '-' || substr(d, 4)
    WHEN regexp_full_match(d, '[2-9][0-9]{{6,7}}') AND area IS NOT NULL THEN area || '-' || d
END;

CREATE OR REPLACE MACRO cw_phone_plain(s) AS regexp_full_match(s, '{mobile}');
CREATE OR REPLACE MACRO cw_phone(s, area) AS CASE
    WHEN cw_phone_plain(s) THEN s
    ELSE cw_phone_of(cw_phone_digits(s), s, area)
END;
-- The same, with the digits computed once beforehand (NULL for a plain mobile number):
-- cw_phone_of names its digits five times, and a macro repeats its argument each time.
CREATE OR REPLACE MACRO cw_phone_digits_unless_plain(s) AS
    CASE WHEN NOT cw_phone_plain(s) THEN cw_phone_digits(s) END;
CREATE OR REPLACE MACRO cw_phone_from(s, d, area) AS CASE
    WHEN d IS NULL THEN s
    ELSE cw_phone_of(d, s, area)
END;

-- A number written in digits or Chinese numerals (1-99), as Arabic digits.
CREATE OR REPLACE MACRO cw_cn_digit(c) AS
    list_position(['一', '二', '三', '四', '五', '六', '七', '八', '九'], replace(c, '两', '二'));
CREATE OR REPLACE MACRO cw_number(t) AS CASE
    WHEN regexp_full_match(t, '[0-9]+') THEN CAST(CAST(t AS BIGINT) AS VARCHAR)
    WHEN regexp_full_match(t, '[一二三四五六七八九两]') THEN CAST(cw_cn_digit(t) AS VARCHAR)
    WHEN regexp_full_match(t, '[一二三四五六七八九两]?十[一二三四五六七八九]?') THEN CAST(
        coalesce(cw_cn_digit(nullif(split_part(t, '十', 1), '')), 1) * 10
        + coalesce(cw_cn_digit(nullif(split_part(t, '十', 2), '')), 0) AS VARCHAR)
END;

-- Address text as the parser reads it: traditional characters folded to simplified
-- (warehouse/db/macros.py address_folds: only where the text has one, as translate() over
-- thousands of characters cost 0.2 ms an address), every dash as '-', a space between two
-- numbers as '-' (3号楼 2 301) and every other space dropped (学院路 社区).
CREATE OR REPLACE MACRO cw_address_folded(a) AS CASE
    WHEN regexp_matches(a, '[{traditional}]') THEN translate(a, '{traditional}', '{simplified}')
    ELSE a
END;
CREATE OR REPLACE MACRO cw_address_text(a) AS replace(regexp_replace(regexp_replace(
    translate(cw_address_folded(a), '{dashes}', '{dash}'),
    '([0-9])\s+([0-9])', '\1-\2', 'g'), '([0-9])\s+([0-9])', '\1-\2', 'g'), ' ', '');
-- Address text split into the district's hierarchy with plain string search:
-- the equivalent regular expression cost 1.1-4.4 s per million addresses here.
CREATE OR REPLACE MACRO cw_after_province(a) AS CASE
    WHEN strpos(a, '省') BETWEEN 2 AND 4 THEN substr(a, strpos(a, '省') + 1)
    WHEN strpos(a, '自治区') BETWEEN 2 AND 6 THEN substr(a, strpos(a, '自治区') + 3)
    ELSE a
END;
CREATE OR REPLACE MACRO cw_after_city(a) AS
    CASE WHEN strpos(a, '市') BETWEEN 2 AND 8 THEN substr(a, strpos(a, '市') + 1) ELSE a END;
CREATE OR REPLACE MACRO cw_district_len(a) AS CASE
    -- 社区, 小区 and 园区 end community names, not districts (光明小区社区3-1-101); nor is
    -- a 区 right before 社区 (翠苑一区社区) or before a building number (翠苑一区3幢).
    WHEN strpos(a, '区') BETWEEN 2 AND 6
        AND substr(a, strpos(a, '区') - 1, 1) NOT IN ('社', '小', '园')
        AND substr(a, strpos(a, '区') + 1, 2) <> '社区'
        AND NOT regexp_matches(
            substr(a, strpos(a, '区') + 1), '^[0-9一二三四五六七八九十两]+(?:号楼|栋|幢|座|#|号|-)')
        THEN strpos(a, '区')
    WHEN strpos(a, '县') BETWEEN 2 AND 6 AND substr(a, strpos(a, '县') + 1, 2) <> '社区'
        THEN strpos(a, '县')
    ELSE 0
END;
-- How many characters precede the premises in text that names no 社区: those before the
-- first number followed by a building marker or a dash (骆家庄村3-1-101, 西溪花园2幢);
-- a house number on a road before a building (学院路18号3幢) belongs to the place's name,
-- so 学院路18号 and 学院路20号 stay apart. NULL when there is no such number.
CREATE OR REPLACE MACRO cw_before_premises(a) AS CASE
    WHEN regexp_matches(a, '[0-9]+号[0-9一二三四五六七八九十两]+(?:号楼|栋|幢|座|#)')
        THEN length(regexp_extract(a, '^(.*?[0-9]+号)[0-9一二三四五六七八九十两]+(?:号楼|栋|幢|座|#)', 1))
    WHEN regexp_matches(a, '[0-9一二三四五六七八九十两]+(?:号楼|栋|幢|座|#|号院|号|-)')
        THEN length(regexp_extract(a, '^(.*?)[0-9一二三四五六七八九十两]+(?:号楼|栋|幢|座|#|号院|号|-)', 1))
END;
-- s: characters before the community (district and street); c: the community's length
-- with its 社区, or up to the premises when the text names no 社区.
CREATE OR REPLACE MACRO cw_area_of(a, d, s, c) AS struct_pack(
    district := nullif(substr(a, 1, d), ''),
    street := CASE WHEN s > d THEN substr(a, d + 1, s - d) END,
    community := CASE
        WHEN c >= 3 AND substr(a, s + c - 1, 2) = '社区' THEN substr(a, s + 1, c)
        -- Two characters at least: 3号楼 alone names no community.
        WHEN c >= 2 THEN substr(a, s + 1, c) || '社区'
    END,
    rest := CASE WHEN c > 0 THEN substr(a, s + c + 1) ELSE substr(a, s + 1) END
);
CREATE OR REPLACE MACRO cw_community_len(t) AS CASE
    WHEN strpos(t, '社区') > 0 THEN strpos(t, '社区') + 1
    ELSE coalesce(cw_before_premises(t), 0)
END;
CREATE OR REPLACE MACRO cw_street_len(a, d) AS CASE
    WHEN strpos(a, '街道') > d THEN strpos(a, '街道') + 1
    -- A town (临平镇) stands where a street would, before its community.
    WHEN strpos(a, '镇') > d + 1 AND strpos(a, '镇') < strpos(a || '社区', '社区') - 2
        THEN strpos(a, '镇')
    ELSE d
END;
-- The length of the county-level name (GB/T 2260, schemas/divisions.py county_names) the
-- text begins with, 0 if none: 义乌市, 峨山彝族自治县 and 土默特左旗 as well as 西湖区.
CREATE OR REPLACE MACRO cw_known_district_len(a) AS
    length(regexp_extract(a, '^({counties})', 1));
-- A known county name first (杭州市建德市…: the second 市 is the district), else the rules;
-- the city is skipped only when no known county name comes before it (义乌市稠城街道).
CREATE OR REPLACE MACRO cw_area_start(t, k) AS CASE WHEN k > 0 THEN t ELSE cw_after_city(t) END;
CREATE OR REPLACE MACRO cw_district_of(t) AS
    coalesce(nullif(cw_known_district_len(t), 0), cw_district_len(t));
-- Staging chains these steps in warehouse/ingest/addresses.py, one query level each: a macro
-- copies its argument wherever it is named, so nesting them grew planning exponentially.
-- cw_address_area chains the same steps for a single address (evacuation look-ups), each
-- bound once as a lambda's parameter, at 30-60 us an address; a test keeps the two equal.
CREATE OR REPLACE MACRO cw_address_area(a) AS list_transform(
    [cw_after_province(cw_address_text(a))],
    lambda t0: list_transform(
        [cw_area_start(t0, cw_known_district_len(t0))],
        lambda t: list_transform(
            [cw_district_of(t)],
            lambda d: list_transform(
                [cw_street_len(t, d)],
                lambda s: cw_area_of(t, d, s, cw_community_len(substr(t, s + 1)))
            )[1]
        )[1]
    )[1]
)[1];
-- The community as linking compares it, whichever source wrote it: read as an address is
-- (spaces, traditional characters) and without the 社区 / 居委会 some sources add.
CREATE OR REPLACE MACRO cw_community_key(c) AS
    nullif(regexp_replace(cw_address_text(c), '(社区|居委会|村委会|居民委员会)$', ''), '');
-- What follows the community: building, unit and room, in any of the usual forms
-- (3号楼2单元301室, 三号楼二单元301, 3栋2单元301, 3-2-301, 十号楼).
CREATE OR REPLACE MACRO cw_premises(rest) AS regexp_extract(
    rest,
    '^\s*([0-9一二三四五六七八九十两]+)\s*(?:号楼|栋|幢|#楼|#|号院|座|号|-)\s*(?:([0-9一二三四五六七八九十两]+)\s*(?:单元|门|-))?\s*(?:([0-9]{{3,5}})\s*(?:室|号|房)?)?\s*$',
    ['building', 'unit', 'room']
);
CREATE OR REPLACE MACRO cw_building_no(t) AS cw_number(nullif(regexp_extract(
    t, '([0-9一二三四五六七八九十两]+)\s*(?:号楼|栋|幢|#楼|#|号院|座)', 1), ''));
CREATE OR REPLACE MACRO cw_unit_no(t) AS cw_number(nullif(regexp_extract(
    t, '([0-9一二三四五六七八九十两]+)\s*(?:单元|门)', 1), ''));
-- A part given in its own column: "3号楼", "三号楼", "3栋" or just "3".
CREATE OR REPLACE MACRO cw_part_no(t) AS coalesce(
    cw_number(regexp_replace(t, '(号楼|栋|幢|#楼|#|单元|门|室|号|房)$', '')),
    cw_building_no(t), cw_unit_no(t));

-- A value quoted for a clerk's reason text, cut short if huge.
CREATE OR REPLACE MACRO cw_q(s) AS '''' || CASE WHEN length(s) > 60 THEN left(s, 57) || '...' ELSE s END || '''';
