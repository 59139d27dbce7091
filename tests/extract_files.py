"""Builders of real files of every kind the extractors read, made with the libraries that write
them (pypdf, openpyxl, pyshp, Pillow, the standard library), so no binary fixture is committed."""

from __future__ import annotations

import io
import json
import struct
import wave
import zipfile
from datetime import date, timedelta
from pathlib import Path

import shapefile
from openpyxl import Workbook
from PIL import ExifTags, Image, TiffImagePlugin
from pypdf import PdfWriter

WGS84_PRJ = (
    'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)


def pdf(path: Path, *, pages: int = 3) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    writer.add_metadata(
        {
            "/Title": "赤峰市2016年国民经济和社会发展统计公报",
            "/Author": "赤峰市统计局",
            "/Subject": "全市经济社会发展主要指标",
            "/Keywords": "统计公报, 国民经济",
            "/CreationDate": "D:20170315120000+08'00'",
            "/ModDate": "D:20170320090000+08'00'",
        }
    )
    with path.open("wb") as file:
        writer.write(file)
    return path


def _zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>{title}</dc:title><dc:subject>{subject}</dc:subject><dc:creator>王芳</dc:creator>
<cp:keywords>扶贫,建档立卡</cp:keywords>
<dcterms:created xsi:type="dcterms:W3CDTF">2017-04-01T08:00:00Z</dcterms:created>
<dcterms:modified xsi:type="dcterms:W3CDTF">2017-05-02T08:00:00Z</dcterms:modified>
</cp:coreProperties>"""


def docx(path: Path) -> Path:
    return _zip(
        path,
        {
            "[Content_Types].xml": "<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>",
            "word/document.xml": "<document/>",
            "docProps/core.xml": CORE.format(title="精准扶贫工作方案", subject="全市扶贫工作安排"),
            "docProps/app.xml": (
                "<Properties xmlns='http://schemas.openxmlformats.org/officeDocument/2006/"
                "extended-properties'><Pages>12</Pages></Properties>"
            ),
        },
    )


def xlsx(path: Path, *, rows: int = 5) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "年龄", "收入", "登记日期", "是否脱贫"])
    for n in range(rows):
        sheet.append([f"户主{n}", 40 + n, 1234.5 + n, date(2017, 1, 1) + timedelta(n), n % 2 == 0])
    workbook.properties.title = "建档立卡贫困户名册"
    workbook.save(path)
    return path


OFD_XML = """<?xml version="1.0" encoding="UTF-8"?>
<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">
<ofd:DocBody><ofd:DocInfo><ofd:DocID>abc</ofd:DocID><ofd:Title>关于印发政务信息资源目录的通知</ofd:Title>
<ofd:Author>自治区人民政府办公厅</ofd:Author><ofd:Abstract>印发目录编制要求</ofd:Abstract>
<ofd:CreationDate>2017-06-01</ofd:CreationDate>
<ofd:Keywords><ofd:Keyword>目录</ofd:Keyword><ofd:Keyword>通知</ofd:Keyword></ofd:Keywords>
</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"""

OFD_DOCUMENT = """<?xml version="1.0" encoding="UTF-8"?>
<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Pages>
<ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/>
<ofd:Page ID="2" BaseLoc="Pages/Page_1/Content.xml"/>
</ofd:Pages></ofd:Document>"""


def ofd(path: Path) -> Path:
    return _zip(path, {"OFD.xml": OFD_XML, "Doc_0/Document.xml": OFD_DOCUMENT})


def csv_file(path: Path, *, encoding: str = "utf-8") -> Path:
    lines = [
        "旗县,人口,面积,统计日期",
        "红山区,395000,1200.5,2016-12-31",
        "松山区,580000,5950.2,2016-12-31",
    ]
    path.write_bytes("\n".join(lines).encode(encoding))
    return path


def dbf(path: Path) -> Path:
    writer = shapefile.Writer(dbf=str(path))  # pyshp writes a bare .dbf when given only that
    writer.field("NAME", "C", size=40)
    writer.field("POP", "N", size=9, decimal=0)
    writer.field("AREA", "N", size=12, decimal=2)
    writer.field("SURVEYED", "D")
    writer.record("红山区", 395000, 1200.5, "20161231")
    writer.record("松山区", 580000, 5950.2, "20161231")
    writer.close()
    return path


def geojson(path: Path) -> Path:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [118.9, 42.3]},
            "properties": {"名称": "红山区", "人口": 395000},
        },
        {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[117, 41], [120, 41], [120, 44], [117, 41]]],
            },
            "properties": {"名称": "松山区", "人口": 580000},
        },
    ]
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    )
    return path


def shapefile_zip(path: Path) -> Path:
    shp, shx, dbf_ = io.BytesIO(), io.BytesIO(), io.BytesIO()
    writer = shapefile.Writer(shp=shp, shx=shx, dbf=dbf_, shapeType=shapefile.POINT)
    writer.field("NAME", "C", size=20)
    writer.field("HEIGHT", "N", size=8, decimal=1)
    writer.point(119.0, 42.0)
    writer.record("监测点1", 560.5)
    writer.point(121.5, 49.2)
    writer.record("监测点2", 620.0)
    writer.close()
    return _zip(
        path,
        {
            "stations.shp": shp.getvalue(),
            "stations.shx": shx.getvalue(),
            "stations.dbf": dbf_.getvalue(),
            "stations.prj": WGS84_PRJ,
        },
    )


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>草原监测点</name>
<Placemark><name>A</name><ExtendedData><Data name="覆盖度"><value>65</value></Data></ExtendedData>
<Point><coordinates>116.5,43.6,0</coordinates></Point></Placemark>
<Placemark><name>B</name><ExtendedData><Data name="覆盖度"><value>72</value></Data></ExtendedData>
<Point><coordinates>117.5,44.1,0</coordinates></Point></Placemark>
</Document></kml>"""


def kml(path: Path) -> Path:
    path.write_text(KML)
    return path


def geotiff(path: Path) -> Path:
    image = Image.new("L", (100, 50))
    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[33550] = (0.01, 0.01, 0.0)  # ModelPixelScale: 0.01 degree a pixel
    info[33922] = (0.0, 0.0, 0.0, 118.0, 43.0, 0.0)  # ModelTiepoint: pixel (0,0) at 118E 43N
    # GeoKeyDirectory: version 1.1.0, 2 keys: model type geographic (2), GeographicType 4490.
    info[34735] = (1, 1, 0, 2, 1024, 0, 1, 2, 2048, 0, 1, 4490)
    image.save(path, tiffinfo=info)
    return path


def jpeg_with_gps(path: Path) -> Path:
    exif = Image.Exif()
    exif[ExifTags.Base.DateTime] = "2017:07:15 10:30:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (42.0, 15.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (118.0, 54.0, 0.0)
    Image.new("RGB", (64, 48), "green").save(path, exif=exif)
    return path


def wav(path: Path, *, seconds: float = 1.5, rate: int = 8000) -> Path:
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(struct.pack("<h", 0) * int(seconds * rate))
    return path


def html(path: Path) -> Path:
    path.write_text(
        '<!DOCTYPE html><html lang="zh-CN"><head><title>赤峰市统计局</title>'
        '<meta name="description" content="统计数据发布与解读">'
        '<meta name="keywords" content="统计,数据发布"></head><body><p>正文</p></body></html>'
    )
    return path


def text(path: Path) -> Path:
    path.write_text("2016年工作总结\n\n全年完成统计调查任务十二项。\n", encoding="gb18030")
    return path


def zip_bomb(path: Path, *, megabytes: int = 20) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (megabytes * 1024 * 1024))
        archive.writestr("[Content_Types].xml", "<Types/>")
    return path
