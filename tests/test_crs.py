"""CRS detection: EPSG numbering checked against pyproj's own EPSG database, .prj parsing,
coordinate guesses and refusals."""

from __future__ import annotations

import re

import pyproj
import pytest

from spatial.crs import CRSDetection, CRSError, detect_crs, gk_epsg

# Name prefixes in the EPSG database, per datum key of gk_epsg.
EPSG_LABEL = {"cgcs2000": "CGCS2000", "xian1980": "Xian 1980", "beijing1954": "Beijing 1954", "newbeijing": "New Beijing"}
GEOGRAPHIC = {"cgcs2000": 4490, "xian1980": 4610, "beijing1954": 4214, "newbeijing": 4555}


def _tm(code: int) -> dict[str, float]:
    op = pyproj.CRS.from_epsg(code).coordinate_operation
    return {p.name: p.value for p in op.params}


def _esri_wkt(code: int) -> str:
    return pyproj.CRS.from_epsg(code).to_wkt("WKT1_ESRI")


ZONE_40_WKT = (
    'PROJCS["CGCS2000_3_Degree_GK_Zone_40",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
    'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",40500000.0],'
    'PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


def _custom_tm(name: str, cm: float, fe: float, spheroid: str = 'SPHEROID["CGCS2000",6378137.0,298.257222101]',
               datum: str = "D_China_2000") -> str:
    return (
        f'PROJCS["{name}",GEOGCS["GCS_unknown",DATUM["{datum}",{spheroid}],PRIMEM["Greenwich",0.0],'
        'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
        f'PARAMETER["False_Easting",{fe}],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",{cm}],'
        'PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
    )


# --- gk_epsg against the EPSG database ----------------------------------------------------


@pytest.mark.parametrize("datum", list(EPSG_LABEL))
def test_gk_epsg_zoned_matches_epsg_names_and_parameters(datum: str) -> None:
    label = EPSG_LABEL[datum]
    for width, zones in ((3, range(25, 46)), (6, range(13, 24))):
        for zone in zones:
            code = gk_epsg(zone, datum=datum, width=width)
            crs = pyproj.CRS.from_epsg(code)
            prefix = "3-degree Gauss-Kruger" if width == 3 else "Gauss-Kruger"
            assert crs.name == f"{label} / {prefix} zone {zone}", (code, crs.name)
            params = _tm(code)
            assert params["False easting"] == zone * 1_000_000 + 500_000
            assert params["Longitude of natural origin"] == (3 * zone if width == 3 else 6 * zone - 3)


@pytest.mark.parametrize("datum", list(EPSG_LABEL))
def test_gk_epsg_central_meridian_form_matches_epsg_names(datum: str) -> None:
    label = EPSG_LABEL[datum]
    for width in (3, 6):
        for cm in range(75, 136, width):
            code = gk_epsg(cm, datum=datum, width=width, prefixed=False)
            crs = pyproj.CRS.from_epsg(code)
            prefix = "3-degree Gauss-Kruger" if width == 3 else "Gauss-Kruger"
            assert crs.name == f"{label} / {prefix} CM {cm}E", (code, crs.name)
            assert _tm(code)["False easting"] == 500_000


def test_gk_epsg_known_codes_from_the_fact_sheet() -> None:
    assert gk_epsg(40) == 4528
    assert gk_epsg(34) == 4522 and gk_epsg(36) == 4524 and gk_epsg(42) == 4530
    assert gk_epsg(120, prefixed=False) == 4549
    assert gk_epsg(40, prefixed=False) == 4549  # a zone number also names the CM form
    assert gk_epsg(114, prefixed=False) == 4547
    assert gk_epsg(22, width=6) == 4500
    assert gk_epsg(93, width=6, prefixed=False) == 4505
    assert gk_epsg(123, width=6, prefixed=False) == 4510
    assert gk_epsg(36, datum="xian1980") == 2360  # 2324 + n
    assert gk_epsg(75, datum="Xian 1980", prefixed=False) == 2370
    assert gk_epsg(36, datum="beijing1954") == 2412  # 2376 + n


@pytest.mark.parametrize(
    "args, kwargs",
    [((24,), {}), ((46,), {}), ((121,), {"prefixed": False}), ((40,), {"width": 5}),
     ((12,), {"width": 6}), ((65,), {}), ((40,), {"datum": "tokyo"})],
)
def test_gk_epsg_rejects_impossible_zones(args: tuple, kwargs: dict) -> None:
    with pytest.raises(CRSError):
        gk_epsg(*args, **kwargs)


def test_crs_error_is_a_value_error() -> None:
    assert issubclass(CRSError, ValueError)


# --- .prj text --------------------------------------------------------------------------------


def test_every_chinese_esri_name_written_by_proj_is_recognised() -> None:
    codes = [
        gk_epsg(v, datum=d, width=w, prefixed=p)
        for d in EPSG_LABEL
        for w, zones, cms in ((3, (25, 40), (120, 135)), (6, (20,), (117,)))
        for p, values in ((True, zones), (False, cms))
        for v in values
    ]
    for code in codes:
        found = detect_crs(wkt=_esri_wkt(code))
        assert found.method == "prj_esri_name", (code, found)
        assert found.epsg == code, (code, found.note)
        assert not found.is_guess


@pytest.mark.parametrize(
    "name, code",
    [("GCS_China_Geodetic_Coordinate_System_2000", 4490), ("GCS_WGS_1984", 4326),
     ("GCS_Xian_1980", 4610), ("GCS_Beijing_1954", 4214)],
)
def test_geographic_esri_names(name: str, code: int) -> None:
    found = detect_crs(wkt=_esri_wkt(code))
    assert found.epsg == code and found.method == "prj_esri_name"
    assert name in found.note
    assert found.crs.is_geographic


def test_handwritten_arcgis_prj_zone_40() -> None:
    found = detect_crs(wkt=ZONE_40_WKT)
    assert (found.epsg, found.method) == (4528, "prj_esri_name")
    assert "zone 40" in found.note


def test_prj_with_authority_is_read_as_epsg() -> None:
    wkt = pyproj.CRS.from_epsg(4549).to_wkt("WKT1_GDAL")
    assert 'AUTHORITY["EPSG","4549"]' in wkt
    found = detect_crs(wkt=wkt)
    assert (found.epsg, found.method) == (4549, "prj_epsg")


@pytest.mark.parametrize(
    "cm, fe, code, words",
    [(120.0, 40500000.0, 4528, ["zone 40", "40500000"]),
     (117.0, 500000.0, 4548, ["CM 117E", "500000"]),
     (117.0, 20500000.0, 4498, ["zone 20", "6-degree"])],
)
def test_unnamed_prj_derived_from_parameters(cm: float, fe: float, code: int, words: list[str]) -> None:
    found = detect_crs(wkt=_custom_tm("my_export", cm, fe))
    assert (found.epsg, found.method) == (code, "prj_parameters"), found.note
    for word in words:
        assert word in found.note
    # the EPSG CRS must describe the same projection as the parameters
    assert _tm(code)["Longitude of natural origin"] == cm and _tm(code)["False easting"] == fe


def test_unnamed_xian_1980_prj_uses_its_ellipsoid() -> None:
    wkt = _custom_tm("x", 120.0, 40500000.0, 'SPHEROID["IAG_75",6378140.0,298.257]', "D_Xian_1980")
    found = detect_crs(wkt=wkt)
    assert found.epsg == 2364 == 2324 + 40
    assert found.crs.datum.name == "Xian 1980"


def test_custom_central_meridian_keeps_the_prj_definition() -> None:
    found = detect_crs(wkt=_custom_tm("city_grid", 118.5, 500000.0))
    assert found.epsg is None and found.method == "prj_parameters"
    assert "118.5" in found.note
    to_lonlat = pyproj.Transformer.from_crs(found.crs, "EPSG:4490", always_xy=True)
    lon, lat = to_lonlat.transform(500000.0, 3300000.0)
    assert lon == pytest.approx(118.5, abs=1e-9)


@pytest.mark.parametrize("text", ["this is not a prj", 'PROJCS["broken",', "   "])
def test_unreadable_prj_is_refused_naming_the_text(text: str) -> None:
    with pytest.raises(CRSError, match="state the CRS|CRS given") as info:
        detect_crs(wkt=text)
    if text.strip():
        assert text[:8] in str(info.value)


def test_prj_name_contradicting_its_parameters_is_refused() -> None:
    wkt = ZONE_40_WKT.replace("40500000.0", "39500000.0").replace('"Central_Meridian",120.0', '"Central_Meridian",117.0')
    with pytest.raises(CRSError, match="4527"):
        detect_crs(wkt=wkt)


# --- guesses from coordinates -------------------------------------------------------------------


def _assert_guess(found: CRSDetection, code: int) -> None:
    assert found.epsg == code and found.method == "coordinate_guess" and found.is_guess
    assert "guess" in found.note
    assert "Xian 1980" in found.note and "Beijing 1954" in found.note


def test_lonlat_in_china_is_guessed_as_4490() -> None:
    _assert_guess(detect_crs(bounds=(120.1, 30.2, 120.3, 30.4)), 4490)


def test_zoned_3_degree_easting_guesses_the_zone() -> None:
    found = detect_crs(bounds=(40_512_000.0, 3_300_000.0, 40_530_000.0, 3_320_000.0))
    _assert_guess(found, 4528)
    assert "EPSG:2364" in found.note  # the Xian 1980 alternative for the same zone


def test_zoned_6_degree_easting_guesses_the_zone() -> None:
    found = detect_crs(bounds=(20_400_000.0, 3_300_000.0, 20_420_000.0, 3_320_000.0))
    _assert_guess(found, 4498)
    assert pyproj.CRS.from_epsg(4498).name == "CGCS2000 / Gauss-Kruger zone 20"


def test_unprefixed_gauss_kruger_is_refused_with_the_fix() -> None:
    with pytest.raises(CRSError) as info:
        detect_crs(bounds=(480_000.0, 3_300_000.0, 520_000.0, 3_320_000.0))
    message = str(info.value)
    assert "central meridian" in message and "EPSG:4549" in message and "4534" in message


def test_swapped_zoned_axes_are_refused() -> None:
    with pytest.raises(CRSError, match="swapped"):
        detect_crs(bounds=(3_300_000.0, 40_512_000.0, 3_320_000.0, 40_530_000.0))


def test_swapped_unprefixed_axes_are_refused() -> None:
    with pytest.raises(CRSError, match="swapped"):
        detect_crs(bounds=(3_300_000.0, 480_000.0, 3_320_000.0, 520_000.0))


def test_swapped_latitude_longitude_is_refused() -> None:
    with pytest.raises(CRSError, match="swapped"):
        detect_crs(bounds=(30.2, 120.1, 30.4, 120.3))


@pytest.mark.parametrize(
    "bounds, words",
    [((2.3, 48.8, 2.4, 48.9), "outside China"),
     ((39_990_000.0, 3_300_000.0, 40_010_000.0, 3_320_000.0), "zone prefixes"),
     ((1e3, 1e3, 2e3, 2e3), "cannot tell")],
)
def test_other_coordinates_are_refused(bounds: tuple, words: str) -> None:
    with pytest.raises(CRSError, match=words):
        detect_crs(bounds=bounds)


def test_nothing_at_all_is_refused() -> None:
    with pytest.raises(CRSError, match="state the CRS|CRS given"):
        detect_crs()


# --- priority and consistency -----------------------------------------------------------------


def test_user_crs_wins_over_everything() -> None:
    for value in ("EPSG:4549", "4549", 4549, pyproj.CRS.from_epsg(4549), "CGCS2000_3_Degree_GK_CM_120E"):
        found = detect_crs(user_crs=value, embedded=pyproj.CRS.from_epsg(4528), wkt=ZONE_40_WKT,
                           bounds=(480_000.0, 3_300_000.0, 520_000.0, 3_320_000.0))
        assert (found.epsg, found.method, found.is_guess) == (4549, "user", False)


def test_bad_user_crs_is_refused() -> None:
    with pytest.raises(CRSError, match="state the CRS|CRS given"):
        detect_crs(user_crs="EPSG:not-a-code")


def test_embedded_wins_over_prj_and_prj_over_bounds() -> None:
    found = detect_crs(embedded=pyproj.CRS.from_epsg(4549), wkt=ZONE_40_WKT)
    assert (found.epsg, found.method) == (4549, "embedded")
    found = detect_crs(wkt=ZONE_40_WKT, bounds=(40_512_000.0, 3_300_000.0, 40_530_000.0, 3_320_000.0))
    assert (found.epsg, found.method, found.is_guess) == (4528, "prj_esri_name", False)


def test_embedded_crs_from_an_esri_prj_is_named() -> None:
    found = detect_crs(embedded=pyproj.CRS.from_wkt(_custom_tm("x", 117.0, 500000.0)))
    assert (found.epsg, found.method) == (4548, "embedded")


def test_unusable_embedded_crs_falls_back_to_the_prj() -> None:
    local = pyproj.CRS.from_wkt(
        'LOCAL_CS["site grid",LOCAL_DATUM["site",0],UNIT["metre",1],AXIS["x",EAST],AXIS["y",NORTH]]'
    )
    found = detect_crs(embedded=local, wkt=ZONE_40_WKT)
    assert (found.epsg, found.method) == (4528, "prj_esri_name")


def test_degrees_label_on_metre_coordinates_is_refused_with_a_suggestion() -> None:
    with pytest.raises(CRSError) as info:
        detect_crs(wkt=_esri_wkt(4490), bounds=(40_512_000.0, 3_300_000.0, 40_530_000.0, 3_320_000.0))
    assert "not degrees" in str(info.value) and "EPSG:4528" in str(info.value)


def test_metre_crs_on_degree_coordinates_is_refused() -> None:
    with pytest.raises(CRSError, match="degrees"):
        detect_crs(user_crs="EPSG:4549", bounds=(120.1, 30.2, 120.3, 30.4))


def test_zone_prefix_mismatch_is_refused() -> None:
    with pytest.raises(CRSError, match="zone prefix 40"):
        detect_crs(user_crs="EPSG:4528", bounds=(480_000.0, 3_300_000.0, 520_000.0, 3_320_000.0))
    with pytest.raises(CRSError, match="zone 40"):
        detect_crs(embedded=pyproj.CRS.from_epsg(4549), bounds=(40_512_000.0, 3_300_000.0, 40_530_000.0, 3_320_000.0))


def test_consistent_bounds_are_accepted() -> None:
    found = detect_crs(user_crs="EPSG:4549", bounds=(480_000.0, 3_300_000.0, 520_000.0, 3_320_000.0))
    assert found.epsg == 4549
    assert re.search(r"4549", found.note)
