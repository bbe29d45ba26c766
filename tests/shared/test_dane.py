"""DANE department and municipality codes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.dane import (
    DEPARTMENTS,
    covers,
    department_of,
    is_department_code,
    is_municipality_code,
    validate_department_code,
    validate_jurisdiction_code,
    validate_municipality_code,
)

department_codes = st.sampled_from(sorted(DEPARTMENTS))
municipality_codes = st.builds(
    lambda department, number: f"{department}{number:03d}", department_codes, st.integers(1, 999)
)


class TestDepartments:
    def test_thirty_two_departments_and_bogota(self) -> None:
        assert len(DEPARTMENTS) == 33
        assert DEPARTMENTS["05"] == "Antioquia"
        assert DEPARTMENTS["11"] == "Bogotá, D.C."

    @pytest.mark.parametrize("code", ["05", "11", "99"])
    def test_valid(self, code: str) -> None:
        assert is_department_code(code)
        assert validate_department_code(code) == code

    @pytest.mark.parametrize(("code", "message"), [("5", "2 dígitos"), ("005", "2 dígitos"), ("0a", "2 dígitos")])
    def test_malformed(self, code: str, message: str) -> None:
        assert not is_department_code(code)
        with pytest.raises(ValueError, match=message):
            validate_department_code(code)

    @pytest.mark.parametrize("code", ["00", "12", "98"])
    def test_unknown(self, code: str) -> None:
        assert not is_department_code(code)
        with pytest.raises(ValueError, match="no corresponde a ningún departamento"):
            validate_department_code(code)


class TestMunicipalities:
    @pytest.mark.parametrize("code", ["05604", "11001", "88564"])
    def test_valid(self, code: str) -> None:
        assert is_municipality_code(code)
        assert validate_municipality_code(code) == code

    def test_remedios_is_in_antioquia(self) -> None:
        assert department_of("05604") == "05"

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            ("5604", "5 dígitos"),
            ("056040", "5 dígitos"),
            ("05 604", "5 dígitos"),
            ("٠٥٦٠٤", "5 dígitos"),  # Arabic-Indic digits match \d but are not DANE codes
            ("12001", "no es un departamento"),
            ("05000", "termina en 000"),
        ],
    )
    def test_invalid(self, code: str, message: str) -> None:
        assert not is_municipality_code(code)
        with pytest.raises(ValueError, match=message):
            validate_municipality_code(code)


class TestJurisdiction:
    @pytest.mark.parametrize("code", ["05", "05604"])
    def test_valid(self, code: str) -> None:
        assert validate_jurisdiction_code(code) == code

    @pytest.mark.parametrize("code", ["", "5", "056", "0560", "056041"])
    def test_wrong_length(self, code: str) -> None:
        with pytest.raises(ValueError, match="2 dígitos .departamento. o 5 dígitos .municipio."):
            validate_jurisdiction_code(code)


class TestCovers:
    def test_department_covers_its_municipalities(self) -> None:
        assert covers("05", "05604")
        assert covers("05", "05001")
        assert not covers("08", "05604")

    def test_municipality_covers_only_itself(self) -> None:
        assert covers("05604", "05604")
        assert not covers("05604", "05001")
        assert not covers("11001", "05604")

    def test_rejects_malformed_codes(self) -> None:
        with pytest.raises(ValueError, match="5 dígitos"):
            covers("05", "5604")
        with pytest.raises(ValueError, match="no corresponde a ningún departamento"):
            covers("00", "05604")

    @given(municipality_codes)
    def test_every_municipality_is_covered_by_itself_and_its_department(self, code: str) -> None:
        assert covers(code, code)
        assert covers(department_of(code), code)

    @given(department_codes, municipality_codes)
    def test_department_coverage_is_the_prefix(self, department: str, code: str) -> None:
        assert covers(department, code) == code.startswith(department)
