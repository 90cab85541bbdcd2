"""The upload limits, checked on the bytes before anything parses the file."""

import io

import pytest

from accounts.import_limits import UploadLimits, check_shape, read_bounded
from accounts.imports import ImportRefused

LIMITS = UploadLimits(bytes=1000, rows=2, columns=3, line_bytes=80)


def refusal(data: bytes) -> str:
    with pytest.raises(ImportRefused) as refused:
        check_shape(data, LIMITS)
    return refused.value.errors[0]["message"]


def test_a_file_within_every_limit_passes():
    check_shape(b"external_id,name\ncrm-1,Harbor\ncrm-2,Cedar\n", LIMITS)


def test_a_stream_is_read_no_further_than_one_byte_past_the_size_limit():
    stream = io.BytesIO(b"x" * 5000)
    with pytest.raises(ImportRefused) as refused:
        read_bounded(stream, LIMITS)
    assert "larger than 1000" in refused.value.errors[0]["message"]
    assert stream.tell() == 1001


def test_quoted_cells_spanning_lines_count_as_one_row_each():
    check_shape(b'external_id,notes\ncrm-1,"one\ntwo\nthree"\ncrm-2,"four\nfive"\n', LIMITS)


def test_rows_past_the_limit_are_refused_even_when_lines_are_short():
    assert "more than 2 rows" in refusal(b"external_id\n1\n2\n3\n")


def test_a_header_with_quoted_delimiters_counts_its_real_columns():
    check_shape(b'external_id,"Country, Region","City; Town"\n1,a,b\n', LIMITS)


def test_columns_past_the_limit_are_refused_whatever_the_delimiter():
    assert "4 columns" in refusal(b"a;b;c;d\n1;2;3;4\n")


def test_a_line_past_the_limit_is_refused_wherever_it_is():
    assert "lines may be at most 80" in refusal(b"external_id\n1\n" + b"x" * 81 + b"\n")
