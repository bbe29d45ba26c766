"""NIT check digit (DIAN módulo 11) and parsing."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.nit import Nit, nit_check_digit, parse_nit

_WEIGHTS = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)

numbers = st.from_regex(r"[1-9][0-9]{0,14}", fullmatch=True)


class TestNitCheckDigit:
    def test_supersalud_anchor(self) -> None:
        # The Remedios ESE's Supersalud upload names carry NIT 890985092 followed by DV 3.
        assert nit_check_digit("890985092") == 3

    def test_worked_by_hand(self) -> None:
        # Right to left: 2·3 + 0·7 + 7·13 + 8·17 + 8·19 + 0·23 + 0·29 + 0·37 + 8·41 = 713;
        # 713 % 11 = 9, so the digit is 11 - 9 = 2.
        assert nit_check_digit("800088702") == 2

    def test_ibague_letterhead(self) -> None:
        # Printed as "Alcaldía Municipal Ibagué NIT. 800113389-7" in its technical-assistance procedure.
        assert nit_check_digit("800113389") == 7

    @pytest.mark.parametrize(
        ("number", "digit"),
        [
            ("1", 8),  # sum 3, remainder 3 -> 11 - 3
            ("4", 1),  # sum 12, remainder 1 is kept
            ("15", 0),  # sum 5·3 + 1·7 = 22, remainder 0 is kept
            ("11", 1),  # sum 1·3 + 1·7 = 10, remainder 10 -> 11 - 10
            ("22", 2),  # sum 2·3 + 2·7 = 20, remainder 9 -> 11 - 9
        ],
    )
    def test_small_numbers(self, number: str, digit: int) -> None:
        assert nit_check_digit(number) == digit

    @pytest.mark.parametrize("number", ["", "0", "0890985092", "890.985.092", "890985092-3", "12a", "１２"])
    def test_rejects_non_numbers(self, number: str) -> None:
        with pytest.raises(ValueError, match="NIT"):
            nit_check_digit(number)

    def test_rejects_more_than_fifteen_digits(self) -> None:
        assert nit_check_digit("1" * 15) in range(10)
        with pytest.raises(ValueError, match="más de 15 dígitos"):
            nit_check_digit("1" * 16)

    @given(numbers)
    def test_matches_definition(self, number: str) -> None:
        total = sum(int(d) * w for d, w in zip(number[::-1], _WEIGHTS, strict=False))
        expected = total % 11 if total % 11 < 2 else 11 - total % 11
        assert nit_check_digit(number) == expected


class TestParseNit:
    @pytest.mark.parametrize("text", ["890985092-3", "890.985.092-3", "  890985092-3 "])
    def test_accepts_dash_forms(self, text: str) -> None:
        nit = parse_nit(text)
        assert nit == Nit("890985092", 3)
        assert str(nit) == "890985092-3"
        assert nit.with_dots == "890.985.092-3"

    def test_wrong_digit_names_the_expected_one(self) -> None:
        with pytest.raises(ValueError, match=r"^El dígito de verificación de 890985092 es 3, no 4\.$"):
            parse_nit("890985092-4")

    @pytest.mark.parametrize("text", ["8909850923", "890.985.0923"])
    def test_requires_the_dash(self, text: str) -> None:
        with pytest.raises(ValueError, match="separado por un guion"):
            parse_nit(text)

    @pytest.mark.parametrize(
        "text", ["", "-3", "890985092-", "890985092-34", "89.0985.092-3", "890,985,092-3", "NIT 890985092-3"]
    )
    def test_rejects_malformed_text(self, text: str) -> None:
        with pytest.raises(ValueError, match="no es válido|debe llevar"):
            parse_nit(text)

    @given(numbers)
    def test_round_trips(self, number: str) -> None:
        nit = Nit.from_number(number)
        assert parse_nit(str(nit)) == nit
        assert parse_nit(nit.with_dots) == nit
        assert str(nit) == f"{number}-{nit_check_digit(number)}"

    @given(numbers, st.integers(0, 9))
    def test_accepts_only_the_right_digit(self, number: str, digit: int) -> None:
        text = f"{number}-{digit}"
        if digit == nit_check_digit(number):
            assert parse_nit(text).check_digit == digit
        else:
            with pytest.raises(ValueError, match=f"es {nit_check_digit(number)}, no {digit}"):
                parse_nit(text)


class TestNit:
    def test_constructor_verifies_the_digit(self) -> None:
        with pytest.raises(ValueError, match="es 2, no 5"):
            Nit("800088702", 5)

    def test_is_hashable_and_frozen(self) -> None:
        nit = Nit.from_number("800088702")
        assert {nit, parse_nit("800.088.702-2")} == {nit}
