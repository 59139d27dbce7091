"""Each extractor on a real file of its kind, and hostile files refused with a reason."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from catalog.center.extract.files import extract_file
from catalog.center.extract.proposal import Unreadable
from tests import extract_files as make

DATA = Path(__file__).parent.parent / "data"


def extract(path, filename=None):
    return extract_file(path, filename or path.name)


def test_pdf_gives_title_author_dates_and_pages(tmp_path):
    proposal = extract(make.pdf(tmp_path / "公报.pdf"))
    assert proposal.body["name"] == "赤峰市2016年国民经济和社会发展统计公报"
    assert proposal.body["abstract"] == "全市经济社会发展主要指标"
    assert proposal.body["keywords"] == ["统计公报", "国民经济"]
    assert proposal.body["format"] == {"category": "file", "type": "pdf"}
    assert proposal.facts["pages"] == 3
    assert proposal.facts["author"] == "赤峰市统计局"
    assert (proposal.facts["created"], proposal.facts["modified"]) == ("2017-03-15", "2017-03-20")


def test_docx_core_properties(tmp_path):
    proposal = extract(make.docx(tmp_path / "方案.docx"))
    assert proposal.body["name"] == "精准扶贫工作方案"
    assert proposal.body["abstract"] == "全市扶贫工作安排"
    assert proposal.body["keywords"] == ["扶贫", "建档立卡"]
    assert proposal.facts["pages"] == 12
    assert proposal.facts["created"] == "2017-04-01"


def test_ofd_document_information_and_pages(tmp_path):
    proposal = extract(make.ofd(tmp_path / "通知.ofd"))
    assert proposal.body["name"] == "关于印发政务信息资源目录的通知"
    assert proposal.body["abstract"] == "印发目录编制要求"
    assert proposal.body["keywords"] == ["目录", "通知"]
    assert proposal.body["format"] == {"category": "file", "type": "OFD"}
    assert proposal.facts["pages"] == 2
    assert proposal.facts["author"] == "自治区人民政府办公厅"


def test_xlsx_items_types_and_rows(tmp_path):
    proposal = extract(make.xlsx(tmp_path / "名册.xlsx", rows=7))
    assert proposal.body["name"] == "建档立卡贫困户名册"
    types = {item["name"]: item["data_type"] for item in proposal.body["items"]}
    assert types == {"姓名": "C", "年龄": "I", "收入": "N", "登记日期": "D", "是否脱贫": "L"}
    assert proposal.facts["rows"] == 7
    assert proposal.body["format"] == {"category": "spreadsheet", "type": "xlsx"}


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_csv_items_types_lengths_and_rows_in_either_encoding(tmp_path, encoding):
    proposal = extract(make.csv_file(tmp_path / "人口.csv", encoding=encoding))
    items = {item["name"]: item for item in proposal.body["items"]}
    assert [items[n]["data_type"] for n in ("旗县", "人口", "面积", "统计日期")] == [
        "C",
        "I",
        "N",
        "D",
    ]
    assert items["旗县"]["length"] == 3
    assert proposal.facts["rows"] == 2


def test_dbf_fields_keep_their_types_and_lengths(tmp_path):
    proposal = extract(make.dbf(tmp_path / "区县.dbf"))
    items = {item["name"]: item for item in proposal.body["items"]}
    assert items["NAME"] == {"name": "NAME", "code": "NAME", "data_type": "C", "length": 40}
    assert items["POP"]["data_type"] == "I"
    assert items["AREA"]["data_type"] == "N"
    assert items["SURVEYED"]["data_type"] == "D"
    assert proposal.facts["rows"] == 2


def test_geojson_bbox_features_fields_and_crs(tmp_path):
    proposal = extract(make.geojson(tmp_path / "区划.geojson"))
    assert proposal.body["spatial"]["bbox"] == [117.0, 41.0, 120.0, 44.0]
    assert proposal.facts["features"] == 2
    assert proposal.facts["crs"] == "EPSG:4326"
    assert [i["name"] for i in proposal.body["items"]] == ["名称", "人口"]
    assert proposal.body["format"]["category"] == "image"


def test_zipped_shapefile_bbox_features_fields_and_crs(tmp_path):
    proposal = extract(make.shapefile_zip(tmp_path / "监测站.zip"))
    assert proposal.body["spatial"]["bbox"] == [119.0, 42.0, 121.5, 49.2]
    assert proposal.facts["features"] == 2
    assert proposal.facts["crs"] == "EPSG:4326"
    assert [i["code"] for i in proposal.body["items"]] == ["NAME", "HEIGHT"]
    assert proposal.body["format"] == {"category": "image", "type": "shp"}


def test_kml_placemarks_and_extended_data(tmp_path):
    proposal = extract(make.kml(tmp_path / "监测点.kml"))
    assert proposal.body["name"] == "草原监测点"
    assert proposal.body["spatial"]["bbox"] == [116.5, 43.6, 117.5, 44.1]
    assert proposal.facts["features"] == 2
    assert proposal.body["items"] == [{"name": "覆盖度", "data_type": "I", "length": 2}]


def test_geotiff_extent_and_crs_from_its_geokeys(tmp_path):
    proposal = extract(make.geotiff(tmp_path / "影像.tif"))
    assert proposal.body["spatial"]["bbox"] == [118.0, 42.5, 119.0, 43.0]
    assert proposal.facts["crs"] == "EPSG:4490"
    assert (proposal.facts["width"], proposal.facts["height"]) == (100, 50)


def test_image_size_exif_date_and_gps_position(tmp_path):
    proposal = extract(make.jpeg_with_gps(tmp_path / "现场.jpg"))
    assert proposal.body["format"] == {"category": "image", "type": "jpg"}
    assert (proposal.facts["width"], proposal.facts["height"]) == (64, 48)
    assert proposal.facts["taken"] == "2017-07-15T10:30:00"
    assert proposal.body["spatial"]["bbox"] == [118.9, 42.25, 118.9, 42.25]


def test_audio_duration_codec_and_rate(tmp_path):
    proposal = extract(make.wav(tmp_path / "会议录音.wav", seconds=1.5, rate=8000))
    assert proposal.body["format"]["category"] == "media"
    assert proposal.facts["duration_seconds"] == pytest.approx(1.5)
    assert proposal.facts["sample_rate"] == 8000
    assert proposal.facts["codec"] == "pcm"


def test_html_file_head(tmp_path):
    proposal = extract(make.html(tmp_path / "index.html"))
    assert proposal.body["name"] == "赤峰市统计局"
    assert proposal.body["abstract"] == "统计数据发布与解读"
    assert proposal.body["keywords"] == ["统计", "数据发布"]
    assert proposal.facts["language"] == "zh-CN"


def test_plain_text_in_gb18030(tmp_path):
    proposal = extract(make.text(tmp_path / "总结.txt"))
    assert proposal.body["name"] == "2016年工作总结"
    assert proposal.body["abstract"] == "全年完成统计调查任务十二项。"


def test_anything_else_gets_size_checksum_and_sniffed_type(tmp_path):
    path = tmp_path / "数据包.bin"
    path.write_bytes(b"\x00\x01binary" * 100)
    proposal = extract(path)
    assert proposal.body["name"] == "数据包"
    assert proposal.body["format"] == {"category": "other", "type": "bin"}
    assert proposal.facts["size"] == 800
    assert proposal.facts["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_zip_bomb_is_refused(tmp_path):
    with pytest.raises(Unreadable, match="zip bomb"):
        extract(make.zip_bomb(tmp_path / "报告.docx"))


def test_a_truncated_pdf_is_refused(tmp_path):
    whole = make.pdf(tmp_path / "whole.pdf").read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(Unreadable, match="PDF"):
        extract(cut)


def test_a_file_whose_name_lies_about_its_content_is_refused(tmp_path):
    png = make.jpeg_with_gps(tmp_path / "photo.jpg").read_bytes()
    fake = tmp_path / "报告.pdf"
    fake.write_bytes(png)
    with pytest.raises(Unreadable, match="the name says pdf"):
        extract(fake)


def test_a_broken_geojson_is_refused_with_its_line(tmp_path):
    path = tmp_path / "区划.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [')
    with pytest.raises(Unreadable, match="line 2"):
        extract(path)


def test_video_duration_codecs_bitrate_and_title():
    # tests/data/clip.mp4: 2 s of H.264 test pattern with AAC sound, made with ffmpeg (10 KB).
    proposal = extract(DATA / "clip.mp4", "巡查.mp4")
    assert proposal.body["format"] == {"category": "media", "type": "mp4"}
    assert proposal.body["name"] == "巡查录像"
    assert proposal.facts["duration_seconds"] == pytest.approx(2.0, abs=0.2)
    assert proposal.facts["video_codec"] == "avc1"
    assert proposal.facts["codec"].startswith("mp4a")
    assert proposal.facts["bitrate"] > 0


def test_a_workbook_with_an_entity_bomb_in_a_sheet_is_refused(tmp_path):
    path = make.xlsx(tmp_path / "名册.xlsx")
    bomb = tmp_path / "炸弹.xlsx"
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData><row r='1'><c r='A1' t='inlineStr'><is><t>&b;</t></is></c></row>"
        "</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(bomb, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = laughs.encode()
            target.writestr(item, data)
    with pytest.raises(Unreadable, match="XLSX"):
        extract(bomb)
