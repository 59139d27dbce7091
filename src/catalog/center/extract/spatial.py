"""Maps and spatial data: GeoJSON, zipped Shapefile, KML/KMZ and GeoTIFF.

Each gives a bounding box in longitude/latitude (when its coordinates are geographic), the
feature count, attribute fields as items and the coordinate reference system. Projected
coordinates are not reprojected (that needs PROJ); their CRS is reported and the bbox left out.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import shapefile
from lxml import etree
from PIL import Image, TiffImagePlugin, UnidentifiedImageError

from catalog.center import xmlsafe
from catalog.center.extract.proposal import Proposal, Unreadable
from catalog.center.extract.sniff import read_member, read_text, safe_members
from catalog.center.extract.tables import items_of

_KML = "{http://www.opengis.net/kml/2.2}"
_GEOGRAPHIC = {"EPSG:4326", "EPSG:4490", "EPSG:4214", "EPSG:4610", "CRS84"}


class Box:
    """A running bounding box over (x, y) pairs."""

    def __init__(self) -> None:
        self.corners: list[float] | None = None

    def add(self, x: float, y: float) -> None:
        if self.corners is None:
            self.corners = [x, y, x, y]
            return
        c = self.corners
        c[0], c[1], c[2], c[3] = min(c[0], x), min(c[1], y), max(c[2], x), max(c[3], y)

    def lonlat(self) -> list[float] | None:
        """The box, if it lies within longitude/latitude bounds."""
        c = self.corners
        if c is None or not (-180 <= c[0] <= c[2] <= 180 and -90 <= c[1] <= c[3] <= 90):
            return None
        return [round(v, 7) for v in c]


def _spatial(proposal: Proposal, box: Box, crs: str | None, features: int | None) -> None:
    proposal.body["format"] = {"category": "image", "type": proposal.facts.get("type", "map")}
    bbox = box.lonlat() if crs is None or crs in _GEOGRAPHIC else None
    if bbox is not None:
        proposal.body["spatial"] = {"bbox": bbox}
    elif box.corners is not None:
        proposal.facts["extent"] = box.corners  # in the file's own (projected) units
    proposal.facts["crs"] = crs
    if features is not None:
        proposal.facts["features"] = features


def geojson(path: Path, proposal: Proposal) -> None:
    """A GeoJSON FeatureCollection, Feature or geometry (RFC 7946: WGS 84 unless it says)."""
    try:
        document = json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise Unreadable(f"not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(document, dict) or "type" not in document:
        raise Unreadable("not a GeoJSON object (no type)")
    features = _features(document)
    box = Box()
    names: list[str] = []
    for feature in features:
        for x, y in _positions((feature.get("geometry") or {}).get("coordinates")):
            box.add(x, y)
        for name in feature.get("properties") or {}:
            if name not in names:
                names.append(name)
    items, count = items_of(
        names, ([(f.get("properties") or {}).get(n) for n in names] for f in features)
    )
    proposal.body["items"] = items
    proposal.facts["type"] = "geojson"
    _spatial(proposal, box, _geojson_crs(document), count)
    proposal.title(document.get("name"))


def _features(document: dict[str, Any]) -> list[dict[str, Any]]:
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise Unreadable("a FeatureCollection needs a features list")
        return [f for f in features if isinstance(f, dict)]
    if kind == "Feature":
        return [document]
    if kind in ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"):
        return [{"geometry": document}]
    raise Unreadable(f"not a GeoJSON object (type {kind!r})")


def _positions(coordinates: Any) -> Iterator[tuple[float, float]]:
    """Every (x, y) of a nested coordinate array, however deep, without recursion limits."""
    stack = [coordinates]
    while stack:
        value = stack.pop()
        if not isinstance(value, list) or not value:
            continue
        if isinstance(value[0], int | float) and len(value) >= 2:
            if isinstance(value[1], int | float):
                yield float(value[0]), float(value[1])
            continue
        stack.extend(value)


def _geojson_crs(document: dict[str, Any]) -> str:
    name = ((document.get("crs") or {}).get("properties") or {}).get("name")
    if not name:
        return "EPSG:4326"
    match = re.search(r"EPSG:+(\d+)", str(name))
    if match:
        return f"EPSG:{match.group(1)}"
    return "EPSG:4326" if "CRS84" in str(name) else str(name)


def shapefile_zip(path: Path, proposal: Proposal) -> None:
    """A zipped Shapefile (.shp with its .shx and .dbf, and .prj for the CRS)."""
    with zipfile.ZipFile(path) as archive:
        members = [info.filename for info in safe_members(archive)]
        shp = next(name for name in members if name.lower().endswith(".shp"))
        stem = shp[:-4]

        def sibling(ext: str) -> io.BytesIO | None:
            name = next((m for m in members if m.lower() == f"{stem.lower()}.{ext}"), None)
            return io.BytesIO(read_member(archive, name)) if name else None

        prj = sibling("prj")
        try:
            reader = shapefile.Reader(
                shp=io.BytesIO(read_member(archive, shp)),
                shx=sibling("shx"),
                dbf=sibling("dbf"),
                encoding=_encoding(sibling("cpg")),
                encodingErrors="replace",
            )
            with reader:
                fields = [f for f in reader.fields if f[0] != "DeletionFlag"]
                records = len(reader)
                bbox = list(reader.bbox) if records else None
                items = [_field_item(f) for f in fields]
        except (shapefile.ShapefileException, ValueError, OSError, IndexError) as error:
            raise Unreadable(f"not a readable Shapefile ({error})") from None
    box = Box()
    if bbox:
        box.add(bbox[0], bbox[1])
        box.add(bbox[2], bbox[3])
    proposal.body["items"] = items
    proposal.facts["type"] = "shp"
    proposal.title(Path(stem).name)
    crs = _prj_crs(prj.read().decode("utf-8", "replace")) if prj else None
    _spatial(proposal, box, crs, records)


def _encoding(cpg: io.BytesIO | None) -> str:
    name = cpg.read().decode("ascii", "replace").strip().lower() if cpg else ""
    aliases = {"gbk": "gbk", "936": "gbk", "gb2312": "gbk", "gb18030": "gb18030", "utf-8": "utf-8"}
    return aliases.get(name, "utf-8")


def _field_item(field: Any) -> dict[str, Any]:
    name, letter, length, decimals = field[0], field[1], field[2], field[3]
    data_type = {"C": "C", "D": "D", "L": "L", "M": "M", "F": "F"}.get(letter, "C")
    if letter == "N":
        data_type = "N" if decimals else "I"
    item: dict[str, Any] = {"name": name, "code": name, "data_type": data_type}
    if data_type in ("C", "N", "I", "F") and length:
        item["length"] = int(length)
    return item


def _prj_crs(wkt: str) -> str:
    """A name for the CRS of a .prj (ESRI WKT): geographic ones map to their EPSG code."""
    if wkt.lstrip().upper().startswith("PROJCS"):
        match = re.search(r'PROJCS\["([^"]+)"', wkt)
        return match.group(1) if match else "projected"
    upper = wkt.upper()
    if "CGCS" in upper or "CHINA_2000" in upper or "CHINA GEODETIC" in upper:
        return "EPSG:4490"
    if "WGS_1984" in upper or "WGS 84" in upper or "WGS84" in upper:
        return "EPSG:4326"
    match = re.search(r'GEOGCS\["([^"]+)"', wkt)
    return match.group(1) if match else "unknown"


def kml(data: bytes, proposal: Proposal) -> None:
    """KML (OGC 07-147): placemarks, their coordinates, and ExtendedData fields."""
    try:
        root = xmlsafe.parse(data)
    except xmlsafe.UnsafeXML as error:
        raise Unreadable(str(error)) from None
    box = Box()
    for element in root.iter(f"{_KML}coordinates"):
        for x, y in _kml_positions(element.text or ""):
            box.add(x, y)
    placemarks = list(root.iter(f"{_KML}Placemark"))
    names: list[str] = []
    for element in root.iter(f"{_KML}Data", f"{_KML}SimpleData"):
        name = element.get("name")
        if name and name not in names:
            names.append(name)
    rows = (_kml_values(p, names) for p in placemarks)
    items, count = items_of(names, rows)
    proposal.body["items"] = items
    proposal.facts["type"] = "kml"
    document = root.find(f"{_KML}Document")
    if document is not None:
        proposal.title(document.findtext(f"{_KML}name"))
        proposal.describe(document.findtext(f"{_KML}description"))
    _spatial(proposal, box, "EPSG:4326", count)


def _kml_positions(text: str) -> Iterable[tuple[float, float]]:
    for tuple_text in text.split():
        parts = tuple_text.split(",")
        try:
            yield float(parts[0]), float(parts[1])
        except (ValueError, IndexError):
            continue


def _kml_values(placemark: etree._Element, names: list[str]) -> list[str | None]:
    values: dict[str, str | None] = {}
    for element in placemark.iter(f"{_KML}Data", f"{_KML}SimpleData"):
        name = element.get("name")
        if not name:
            continue
        if element.tag == f"{_KML}Data":
            values[name] = element.findtext(f"{_KML}value")
        else:
            values[name] = element.text
    return [values.get(name) for name in names]


def kml_file(path: Path, proposal: Proposal) -> None:
    with path.open("rb") as file:
        kml(file.read(xmlsafe.MAX_BYTES + 1), proposal)


def kmz(path: Path, proposal: Proposal) -> None:
    """A zipped KML: its first .kml document."""
    with zipfile.ZipFile(path) as archive:
        members = [info.filename for info in safe_members(archive)]
        name = next(m for m in members if m.lower().endswith(".kml"))
        kml(read_member(archive, name, limit=xmlsafe.MAX_BYTES), proposal)


# GeoTIFF tags and keys (OGC GeoTIFF 1.1).
_PIXEL_SCALE, _TIEPOINT, _GEO_KEYS = 33550, 33922, 34735
_MODEL_TYPE, _GEOGRAPHIC_TYPE, _PROJECTED_TYPE = 1024, 2048, 3072


def geotiff(path: Path, proposal: Proposal) -> None:
    """A TIFF image; when it carries GeoTIFF tags, its extent and CRS too."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            tags: Any = image.tag_v2 if isinstance(image, TiffImagePlugin.TiffImageFile) else {}
            scale, tie, keys = tags.get(_PIXEL_SCALE), tags.get(_TIEPOINT), tags.get(_GEO_KEYS)
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise Unreadable(f"not a readable TIFF image ({error})") from None
    proposal.facts.update(width=width, height=height, type="tiff")
    if not (scale and tie and len(tie) >= 6 and len(scale) >= 2):
        proposal.body["format"] = {"category": "image", "type": "tiff"}
        return
    west, north = tie[3] - tie[0] * scale[0], tie[4] + tie[1] * scale[1]
    box = Box()
    box.add(west, north)
    box.add(west + width * scale[0], north - height * scale[1])
    proposal.facts["type"] = "GeoTIFF"
    _spatial(proposal, box, _geotiff_crs(keys), None)


def _geotiff_crs(keys: Any) -> str | None:
    """EPSG:code from the GeoKeyDirectory (header of 4 shorts, then 4 shorts per key)."""
    if not keys or len(keys) < 4:
        return None
    entries = {keys[i]: keys[i + 3] for i in range(4, len(keys) - 3, 4) if keys[i + 1] == 0}
    if _PROJECTED_TYPE in entries and entries[_PROJECTED_TYPE] not in (0, 32767):
        return f"EPSG:{entries[_PROJECTED_TYPE]}"
    if _GEOGRAPHIC_TYPE in entries and entries[_GEOGRAPHIC_TYPE] not in (0, 32767):
        return f"EPSG:{entries[_GEOGRAPHIC_TYPE]}"
    return "EPSG:4326" if entries.get(_MODEL_TYPE) == 2 else None
